// The knowledge in rules/, the templates in reports/ and the demo web are
// embedded with include_dir!; tell cargo to rebuild when they change (files
// added or removed included), so that a new rule file is never silently
// left out of the binary.
fn main() {
    for dir in ["rules", "reports", "src/demo/web"] {
        println!("cargo:rerun-if-changed={dir}");
        watch(std::path::Path::new(dir));
    }
}

fn watch(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_dir() {
            watch(&path);
        }
    }
}
