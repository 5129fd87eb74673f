//! Benchmarks of the statement recogniser (`analyse::text::read`, which
//! cuts a text into sentences and runs every statement of
//! `rules/statements.toml` over the concepts of every lexicon):
//!
//! - `statements/banner_2kb`: a ~2 kB French banner text. Target: < 2 ms.
//! - `statements/banner_2kb_ascii`: a ~2 kB English banner text. Plain
//!   ASCII text takes another path through the pattern sets (the exact
//!   sets, word boundaries and all) than accented text; when their fast
//!   engine went unused, a whole http campaign was a third slower.
//! - `statements/notice_100kb`: a ~100 kB privacy notice mixing the six
//!   fully read languages. Target: < 10 ms.
//! - `statements/notice_100kb_varied`: ~100 kB of sentences that never
//!   repeat (the statements corpus of the six languages, in order), where
//!   the notice above repeats six paragraphs and profits from judging a
//!   sentence once. The honest measure of the 10 ms target.
//!
//! Run with `cargo bench --bench statements`.

use std::hint::black_box;

use barometer::analyse::text::read;
use barometer::knowledge::Lexicons;
use criterion::{criterion_group, criterion_main, Criterion};

/// Banner sentences in the style of consent-platform defaults.
const BANNER: [&str; 8] = [
    "Votre vie privée compte pour nous.",
    "Avec votre accord, nous et nos 826 partenaires utilisons des cookies ou technologies similaires pour stocker, consulter et traiter des données personnelles telles que votre visite sur ce site internet, les adresses IP et les identifiants de cookie.",
    "Certains partenaires ne vous demandent pas votre consentement pour traiter vos données et se fondent sur leur intérêt commercial légitime.",
    "À tout moment, vous pouvez retirer votre consentement ou vous opposer au traitement fondé sur l'intérêt légitime en cliquant sur « En savoir plus » ou en allant dans notre politique de confidentialité sur ce site.",
    "Vos données personnelles sont traitées pour les finalités suivantes : publicités et contenus personnalisés, mesure de performance des publicités et du contenu, études d'audience et développement de services.",
    "Stocker et/ou accéder à des informations sur un appareil.",
    "Nos partenaires publicitaires peuvent utiliser ces informations pour vous reconnaître lorsque vous visitez d'autres sites.",
    "Vous pouvez modifier vos choix à tout moment depuis le lien « Gérer les cookies » en bas de page.",
];

/// An English banner in the style of consent-platform defaults.
const BANNER_EN: [&str; 7] = [
    "We value your privacy.",
    "We and our 312 partners store and access information on your device, such as cookies and unique identifiers, and process personal data such as your browsing behaviour.",
    "Our advertising partners may use this information to recognise you when you visit other websites and to show you ads based on your interests.",
    "Some partners rely on their legitimate interest instead of asking for your consent; you can object in the settings.",
    "We use the data for the following purposes: personalised ads and content, ad and content measurement, audience research and services development.",
    "You can change your choices or withdraw your consent at any time through the Cookie Settings link at the bottom of every page.",
    "Click Accept all to agree, Reject all to refuse, or Manage options to choose.",
];

/// Notice paragraphs, one per language, repeated to 100 kB.
const NOTICE: [&str; 6] = [
    "Nous collectons les données que vous nous fournissez lors de la création de votre compte, notamment votre nom, votre adresse électronique et votre numéro de téléphone. Ces données sont conservées pendant la durée de la relation contractuelle, puis archivées pendant cinq ans. Vous disposez d'un droit d'accès, de rectification et d'effacement, que vous pouvez exercer en écrivant à notre délégué à la protection des données. ",
    "We process your personal data to deliver your orders, answer your questions and, with your consent, send you our newsletter. Our advertising partners may use cookies to show you relevant adverts on other websites. You can withdraw your consent at any time by clicking the link at the bottom of each email. Data is kept for three years after your last purchase. ",
    "Wir verarbeiten Ihre Daten zur Vertragserfüllung nach Art. 6 Abs. 1 lit. b DSGVO. Mit Ihrer Einwilligung setzen unsere Partner Cookies, um Ihr Nutzungsverhalten über verschiedene Websites hinweg zu analysieren. Sie können Ihre Einwilligung jederzeit mit Wirkung für die Zukunft widerrufen. Die Daten werden nach Ablauf der gesetzlichen Aufbewahrungsfristen gelöscht. ",
    "Tratamos sus datos para gestionar su cuenta y, con su consentimiento, para enviarle comunicaciones comerciales. Algunos proveedores pueden usar cookies para mostrarle anuncios en otros sitios web. Puede retirar su consentimiento en cualquier momento desde el panel de configuración. Sus datos se conservarán mientras dure la relación. ",
    "Trattiamo i tuoi dati per gestire gli ordini e, previo consenso, per finalità di marketing. I nostri partner possono utilizzare cookie per mostrarti annunci personalizzati su altri siti. Puoi revocare il consenso in qualsiasi momento dalle impostazioni dei cookie. I dati sono conservati per dieci anni per obblighi fiscali. ",
    "Wij verwerken je gegevens om je bestelling af te handelen en, met je toestemming, om je nieuwsbrieven te sturen. Onze partners kunnen cookies gebruiken om je op andere websites te herkennen. Je kunt je toestemming op elk moment intrekken via de cookie-instellingen. Gegevens worden zeven jaar bewaard. ",
];

/// `sentences` repeated to about 2 kB.
fn repeated_to_2kb(sentences: &[&str]) -> String {
    let mut text = String::new();
    while text.len() < 2000 {
        for s in sentences {
            text.push_str(s);
            text.push(' ');
        }
    }
    let mut end = 2048.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text
}

/// About 100 kB of distinct sentences: the statements corpus
/// (`tests/statements/<lang>.tsv`) of the six languages, each sentence once.
fn varied_notice() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/statements");
    let mut text = String::new();
    let mut seen = std::collections::HashSet::new();
    for lang in ["fr", "en", "de", "es", "it", "nl"] {
        let tsv = std::fs::read_to_string(dir.join(format!("{lang}.tsv"))).expect("corpus");
        for line in tsv.lines().filter(|l| !l.starts_with('#')) {
            if let Some(sentence) = line.splitn(4, '\t').nth(3) {
                if text.len() < 100_000 && seen.insert(sentence.to_string()) {
                    text.push_str(sentence);
                    text.push(' ');
                }
            }
        }
    }
    assert!(
        text.len() >= 100_000,
        "the corpus holds {} bytes",
        text.len()
    );
    text
}

fn notice() -> String {
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 100_000 {
        // Vary the numbers so that no two paragraphs are identical.
        text.push_str(&NOTICE[i % NOTICE.len()].replace("three", &format!("{}", i % 9 + 1)));
        i += 1;
    }
    text
}

fn statements_bench(c: &mut Criterion) {
    let lex = Lexicons::builtin().unwrap();
    let banner = repeated_to_2kb(&BANNER);
    let banner_en = repeated_to_2kb(&BANNER_EN);
    let notice = notice();
    let varied = varied_notice();
    // What is measured is what is read.
    let f = read(&lex, &banner);
    assert!(f.analysed && f.cross_site && f.withdraw && f.partner_count == 826);
    let f = read(&lex, &notice);
    assert!(f.analysed && f.cross_site && f.withdraw);
    assert!(banner_en.is_ascii());
    let f = read(&lex, &banner_en);
    assert!(f.analysed && f.cross_site && f.withdraw && f.partner_count == 312);
    assert!(read(&lex, &varied).analysed);
    c.bench_function("statements/banner_2kb", |b| {
        b.iter(|| read(&lex, black_box(&banner)))
    });
    c.bench_function("statements/banner_2kb_ascii", |b| {
        b.iter(|| read(&lex, black_box(&banner_en)))
    });
    c.bench_function("statements/notice_100kb", |b| {
        b.iter(|| read(&lex, black_box(&notice)))
    });
    c.bench_function("statements/notice_100kb_varied", |b| {
        b.iter(|| read(&lex, black_box(&varied)))
    });
}

criterion_group!(benches, statements_bench);
criterion_main!(benches);
