use clap::Parser;

fn main() -> std::process::ExitCode {
    barometer::cli::run(barometer::cli::Cli::parse())
}
