//! Benchmarks of what is collected from one page, with no network:
//!
//! - `forms/extract_and_analyse`: the form inventory of a realistic ~60 kB
//!   page (header, articles, and three forms: search, contact, newsletter),
//!   `crawl::forms::extract` and `analyse::forms::analyse` for every form,
//!   then the summary. Parsing the HTML is left out. Target: well under
//!   1 ms.
//! - `notice/checklist_100kb`: the privacy-notice checklist
//!   (`analyse::notice::check`) over a ~100 kB policy in six languages:
//!   normalising, the 16 elements, authorities and channels. Target: well
//!   under 5 ms.
//!
//! Run with `cargo bench --bench collect`.

use std::hint::black_box;

use barometer::analyse::forms::{analyse, summary};
use barometer::analyse::notice::check;
use barometer::crawl::forms::extract;
use barometer::knowledge::forms::FormKnowledge;
use barometer::knowledge::notice::NoticeLexicon;
use barometer::knowledge::Lexicons;
use criterion::{criterion_group, criterion_main, Criterion};
use scraper::Html;
use url::Url;

const PAGE_URL: &str = "https://www.example-shop.fr/blog/";

const WORDS: [&str; 24] = [
    "Lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "données",
    "consectetur",
    "adipiscing",
    "elit",
    "recette",
    "sed",
    "do",
    "eiusmod",
    "tempor",
    "incididunt",
    "ut",
    "labore",
    "et",
    "dolore",
    "magna",
    "aliqua",
    "été",
    "jardin",
    "cuisine",
];

/// `n` words of filler text, varied by `seed`.
fn filler(seed: usize, n: usize) -> String {
    (0..n)
        .map(|i| WORDS[(seed * 7 + i * 5 + i / 3) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// A blog page of about 60 kB with a search form in the header, a contact
/// form after the articles and a newsletter form in the footer.
fn page() -> String {
    let mut html = String::with_capacity(70_000);
    html.push_str(
        r#"<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Le blog</title>
<link rel="stylesheet" href="/css/site.css"><script>window.dataLayer=[];</script></head><body>
<header class="site-header"><a class="logo" href="/"><img src="/logo.svg" alt="Accueil"></a>
<nav class="main-nav"><ul>"#,
    );
    for i in 0..40 {
        html.push_str(&format!(
            r#"<li class="menu-item"><a href="/rubrique/{i}">{}</a></li>"#,
            filler(i, 2)
        ));
    }
    html.push_str(
        r#"</ul></nav>
<form role="search" id="searchform" class="search-form" action="/recherche" method="get">
  <label for="s" class="screen-reader-text">Rechercher :</label>
  <input type="search" id="s" name="s" placeholder="Rechercher…">
  <button type="submit" aria-label="Lancer la recherche"><svg viewBox="0 0 10 10"><path d="M0 0h10v10z"/></svg></button>
</form></header>
<main id="content">"#,
    );
    for a in 0..11 {
        html.push_str(&format!(
            r#"<article class="post post-{a}"><h2 class="entry-title"><a href="/blog/article-{a}">{}</a></h2>
<div class="meta"><span class="author">Par {}</span> <time datetime="2025-0{}-1{}">le 1{} mars</time></div>
<figure><img src="/img/{a}.jpg" alt="{}" width="800" height="450"><figcaption>{}</figcaption></figure>"#,
            filler(a, 6),
            filler(a + 1, 2),
            a % 9 + 1,
            a % 10,
            a % 10,
            filler(a + 2, 4),
            filler(a + 3, 8)
        ));
        for p in 0..10 {
            html.push_str(&format!(
                "<p>{} <a href=\"/blog/lien-{a}-{p}\">{}</a> {}.</p>\n",
                filler(a * 10 + p, 40),
                filler(p, 3),
                filler(a + p, 20)
            ));
        }
        html.push_str(r#"<ul class="tags"><li><a href="/tag/a">cuisine</a></li><li><a href="/tag/b">jardin</a></li></ul></article>"#);
        html.push('\n');
    }
    html.push_str(
        r#"<section class="contact"><h2>Contactez-nous</h2><p>Une question sur une recette ? Écrivez-nous.</p>
<form id="wpcf7-f12-o1" class="wpcf7-form" action="/blog/#wpcf7-f12-o1" method="post">
  <input type="hidden" name="_wpcf7" value="12"><input type="hidden" name="_wpnonce" value="abc123">
  <p><label>Votre nom *<br><input type="text" name="your-name" autocomplete="name" required></label></p>
  <p><label>Votre e-mail *<br><input type="email" name="your-email" autocomplete="email" required></label></p>
  <p><label>Téléphone *<br><input type="tel" name="your-phone" required></label></p>
  <p><label>Sujet<br><select name="subject"><option>Recette</option><option>Partenariat</option><option>Autre</option></select></label></p>
  <p><label>Votre message *<br><textarea name="your-message" rows="8" required></textarea></label></p>
  <p><label><input type="checkbox" name="rgpd" required> J'accepte que mes données soient utilisées pour répondre à ma demande.</label></p>
  <p><input type="submit" value="Envoyer"></p>
</form>
<p class="legal">Voir notre <a href="/politique-de-confidentialite">politique de confidentialité</a>.</p></section>
</main>
<footer class="site-footer"><div class="footer-cols">"#,
    );
    for col in 0..4 {
        html.push_str(&format!(
            r#"<div class="col"><h4>{}</h4><ul>"#,
            filler(col, 2)
        ));
        for i in 0..6 {
            html.push_str(&format!(
                r#"<li><a href="/page/{col}-{i}">{}</a></li>"#,
                filler(col * 6 + i, 3)
            ));
        }
        html.push_str("</ul></div>");
    }
    html.push_str(
        r#"</div>
<div class="newsletter-block"><h3>Recevez nos recettes chaque semaine</h3>
<form id="mc-embedded-subscribe-form" class="validate" action="https://example.us1.list-manage.com/subscribe/post?u=1&amp;id=2" method="post">
  <label for="mce-EMAIL">Adresse e-mail</label><input type="email" id="mce-EMAIL" name="EMAIL" required>
  <label for="mce-FNAME">Prénom</label><input type="text" id="mce-FNAME" name="FNAME">
  <label for="mce-BDAY">Date de naissance</label><input type="text" id="mce-BDAY" name="BIRTHDAY" autocomplete="bday" required>
  <div class="check"><input type="checkbox" id="gdpr_1" name="gdpr[1]" checked><label for="gdpr_1">Je souhaite recevoir les offres de nos partenaires</label></div>
  <input type="submit" value="Je m'abonne" name="subscribe" id="mc-embedded-subscribe">
</form>
<p class="small">Désinscription à tout moment. <a href="/mentions-legales">Mentions légales</a></p></div>
<p class="copyright">© 2025 Le blog — <a href="/politique-de-confidentialite">Confidentialité</a> — <a href="/cookies">Cookies</a></p>
</footer><script src="/js/site.js"></script></body></html>"#,
    );
    html
}

fn forms_bench(c: &mut Criterion) {
    let knowledge = FormKnowledge::builtin().expect("rules/forms.toml loads");
    let lex = Lexicons::builtin().expect("lexicons load");
    let html = page();
    assert!(
        (55_000..70_000).contains(&html.len()),
        "page of {} bytes",
        html.len()
    );
    let doc = Html::parse_document(&html);
    let base = Url::parse(PAGE_URL).unwrap();

    // What is measured finds what the page holds.
    let facts: Vec<_> = extract(&doc, &base)
        .iter()
        .map(|f| analyse(PAGE_URL, f, &knowledge, &lex))
        .collect();
    let purposes: Vec<&str> = facts.iter().map(|f| f.purpose.as_str()).collect();
    assert_eq!(purposes, ["search", "contact", "newsletter"]);
    let s = summary(&facts);
    // The newsletter's required birth date is clearly unneeded; the contact
    // form's required phone is one practice varies on (possibly excessive).
    assert_eq!(
        (
            s.count,
            s.excessive,
            s.possibly_excessive,
            s.preticked_optin
        ),
        (3, 1, 1, 1)
    );

    c.bench_function("forms/extract_and_analyse", |b| {
        b.iter(|| {
            let forms = extract(black_box(&doc), &base);
            let facts: Vec<_> = forms
                .iter()
                .map(|f| analyse(PAGE_URL, f, &knowledge, &lex))
                .collect();
            summary(&facts)
        })
    });
}

/// A multilingual privacy policy of about `size` bytes: ordinary
/// paragraphs about a shop in six languages, with the statements of a
/// notice spread among them, one every five paragraphs. No data protection
/// officer and no automated decision-making are mentioned, so those two
/// elements are looked for through the whole text.
fn policy_text(size: usize) -> String {
    const FILLER: [&str; 12] = [
        "Notre boutique en ligne propose des vêtements, des chaussures et des accessoires fabriqués en Europe. \
         Les délais de livraison dépendent du transporteur choisi et de la destination ; un e-mail de suivi \
         vous est envoyé dès l’expédition de votre colis.",
        "Our website uses a content delivery network so that pages load quickly wherever you are. \
         Images are resized on the fly, and the catalogue is refreshed every night with new arrivals, \
         seasonal offers and the opinions customers leave after their purchase.",
        "Unsere Kundinnen und Kunden können Artikel innerhalb von dreißig Tagen zurückgeben. \
         Für Rücksendungen aus Österreich und der Schweiz gelten besondere Bedingungen, \
         die Sie in unseren Allgemeinen Geschäftsbedingungen finden.",
        "Il nostro servizio clienti è disponibile dal lunedì al venerdì, dalle 9 alle 18. \
         Può contattarci anche tramite chat: un operatore risponderà entro pochi minuti \
         e, se necessario, aprirà una pratica di assistenza.",
        "Los pedidos realizados antes de las 14:00 se envían el mismo día desde nuestro almacén de Zaragoza. \
         El pago puede efectuarse con tarjeta, transferencia bancaria o contra reembolso en la península.",
        "Wij werken samen met lokale ateliers en controleren elk product vóór verzending. \
         Heeft u vragen over maten, materialen of onderhoud, kijk dan eerst in onze veelgestelde vragen.",
        "Les cookies strictement nécessaires permettent de mémoriser votre panier et vos préférences de langue. \
         Ils sont déposés sans votre accord, car le site ne peut fonctionner sans eux.",
        "This section explains how the newsletter works: you receive at most two messages a month, \
         each with a link at the bottom. Prices shown include VAT and are rounded to the nearest cent.",
        "Die Website wird regelmäßig überprüft und technisch verbessert. Fehlerberichte, \
         Ladezeiten und Abstürze werden zusammengefasst ausgewertet, ohne Rückschluss auf einzelne Besucher.",
        "Le immagini dei prodotti sono indicative: colori e dimensioni possono variare leggermente \
         a seconda dello schermo utilizzato. Le offerte sono valide fino a esaurimento scorte.",
        "La garantía legal de los productos es de tres años desde la entrega. Para cualquier incidencia, \
         conserve el justificante de compra y el embalaje original siempre que sea posible.",
        "Onze klantenservice is bereikbaar per telefoon en chat. Gemiddeld beantwoorden wij \
         berichten binnen één werkdag; in drukke periodes kan dit iets langer duren.",
    ];
    const STATEMENTS: [&str; 14] = [
        "La société Exemple SAS, 12 rue de la Paix à Paris, est responsable du traitement de vos données.",
        "We use your personal data for the following purposes: processing orders, customer service and fraud prevention.",
        "Rechtsgrundlage der Verarbeitung ist Art. 6 Abs. 1 lit. b DSGVO sowie unser berechtigtes Interesse.",
        "I destinatari dei dati sono i corrieri, i fornitori di servizi informatici e le banche.",
        "Algunos proveedores se encuentran fuera de la Unión Europea; las transferencias se basan en cláusulas contractuales tipo.",
        "Wij bewaren uw persoonsgegevens niet langer dan nodig: de bewaartermijn is zeven jaar voor facturen.",
        "Vous disposez d’un droit d’accès, de rectification et d’effacement de vos données.",
        "You have the right to restriction of processing and the right to data portability.",
        "Sie haben ein Widerspruchsrecht gegen die Verarbeitung zu Werbezwecken.",
        "Può revocare il consenso in qualsiasi momento scrivendo a privacy@esempio.it.",
        "Puede presentar una reclamación ante la Agencia Española de Protección de Datos (AEPD).",
        "U kunt een klacht indienen bij de Autoriteit Persoonsgegevens.",
        "Pour exercer vos droits, utilisez le formulaire de contact ou écrivez-nous par courrier.",
        "You can also change your choices from your account settings.",
    ];
    let mut text = String::with_capacity(size + 1024);
    let (mut f, mut s) = (0, 0);
    while text.len() < size {
        for _ in 0..5 {
            text.push_str(FILLER[f % FILLER.len()]);
            text.push_str("\n\n");
            f += 1;
        }
        text.push_str(STATEMENTS[s % STATEMENTS.len()]);
        text.push_str("\n\n");
        s += 1;
    }
    text
}

fn notice_bench(c: &mut Criterion) {
    let lexicon = NoticeLexicon::builtin().expect("rules/notice.toml loads");
    let text = policy_text(100_000);
    assert!(
        (100_000..102_000).contains(&text.len()),
        "policy of {} bytes",
        text.len()
    );

    // What is measured finds what the policy holds.
    let notice = check(&text, &lexicon);
    // Both are required only where applicable: not stated, not missing.
    assert!(notice.missing.is_empty(), "{:?}", notice.missing);
    assert_eq!(
        notice.not_stated_where_applicable,
        ["dpo", "automated_decisions"]
    );
    assert_eq!(
        notice.rights_channels,
        ["email:privacy@esempio.it", "form", "account", "postal"]
    );
    assert_eq!(notice.authorities, ["AEPD", "AP"]);

    c.bench_function("notice/checklist_100kb", |b| {
        b.iter(|| check(black_box(&text), &lexicon))
    });
}

criterion_group!(benches, forms_bench, notice_bench);
criterion_main!(benches);
