//! Transparency: what a banner or policy text tells the visitor.
//!
//! Every statement is recognised sentence by sentence from the concepts of
//! the lexicons (`rules/lexicon/`) as `rules/statements.toml` composes
//! them, and the sentence that decided, in its original case, is kept as
//! evidence, so a reader can check the tool's reading.

use crate::facts::TextFacts;
use crate::knowledge::lexicon::normalise;
use crate::knowledge::Lexicons;

/// The statements of `rules/statements.toml` that [`TextFacts`] holds; the
/// sentence that decided each is kept under its name.
const FACT_STATEMENTS: [&str; 8] = [
    "implied_consent",
    "cross_site",
    "partners",
    "withdraw",
    "legitimate_interest",
    "exemption_claimed",
    "purposes",
    "vague_purposes",
];

/// How much of a text the language is guessed from.
const GUESS_BYTES: usize = 4000;

/// Read a text. Empty text, or text in a language whose statements the
/// lexicons do not hold (its buttons and banner words only), gives
/// `analysed = false` and nothing else: absent words there say nothing
/// about the text.
pub fn read(lex: &Lexicons, text: &str) -> TextFacts {
    let original = text;
    let text = normalise(text);
    let mut facts = TextFacts {
        analysed: !text.is_empty(),
        partner_count: -1,
        ..TextFacts::default()
    };
    if text.is_empty() {
        return facts;
    }
    let mut end = text.len().min(GUESS_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if let Some(lang) = lex.guess_language(&text[..end]) {
        facts.language = lang.clone();
        if !lex.reads_statements(&lang) {
            facts.analysed = false;
            return facts;
        }
    }
    let sentences = lex.statements.sentences(original);
    let language = (!facts.language.is_empty()).then_some(facts.language.as_str());
    let found = lex.statements.recognise_sentences(&sentences, language);
    for (name, hit) in &found {
        if FACT_STATEMENTS.contains(&name.as_str()) {
            facts.sentences.insert(name.clone(), hit.sentence.clone());
        }
    }
    let count = sentences.into_iter().find_map(|s| {
        lex.partner_count(&s.norm)
            .filter(|_| !lex.statements.vetoed_in("partners", &s.norm, language))
            .map(|(n, _)| (n, s.original))
    });
    if let Some((_, sentence)) = &count {
        facts
            .sentences
            .insert("partner_count".to_string(), sentence.clone());
    }
    let has = |name: &str| found.contains_key(name);
    let phrases = |name: &str| {
        found
            .get(name)
            .map(|h| h.phrases.clone())
            .unwrap_or_default()
    };
    facts.implied_consent = has("implied_consent");
    facts.cross_site = has("cross_site");
    facts.partners_mentioned = has("partners") || count.is_some();
    facts.partner_count = count.map(|(n, _)| i64::from(n)).unwrap_or(-1);
    facts.withdraw = has("withdraw");
    facts.legitimate_interest = has("legitimate_interest");
    facts.exemption_claimed = has("exemption_claimed");
    facts.purposes = phrases("purposes");
    facts.vague_purposes = phrases("vague_purposes");
    facts
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn lex() -> &'static Lexicons {
        static LEX: OnceLock<Lexicons> = OnceLock::new();
        LEX.get_or_init(|| Lexicons::builtin().unwrap())
    }

    /// The built-in lexicons, but with the statement data (`[concepts]`
    /// and every `[text]` list other than `policy_link`) of `langs` taken
    /// out: those languages are then known by their buttons, banner words
    /// and policy links only, as a language is before its statements are
    /// written and measured.
    fn without_statements(langs: &[&str]) -> Lexicons {
        use crate::knowledge::lexicon::BUILTIN_LANGUAGES;
        let mut files = crate::knowledge::builtin_toml_files("lexicon").unwrap();
        let mut stripped = 0;
        for (origin, text) in &mut files {
            if langs
                .iter()
                .any(|l| *origin == format!("rules/lexicon/{l}.toml"))
            {
                let mut file: toml::Table = toml::from_str(text).unwrap();
                file.remove("concepts");
                if let Some(toml::Value::Table(t)) = file.get_mut("text") {
                    t.retain(|k, _| k == "policy_link");
                }
                *text = toml::to_string(&file).unwrap();
                stripped += 1;
            }
        }
        assert_eq!(stripped, langs.len(), "a lexicon of {langs:?} is missing");
        let rank = |origin: &str| {
            BUILTIN_LANGUAGES
                .iter()
                .position(|l| origin == format!("rules/lexicon/{l}.toml"))
                .unwrap_or(BUILTIN_LANGUAGES.len())
        };
        files.sort_by(|(a, _), (b, _)| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
        Lexicons::from_sources(&files).unwrap()
    }

    #[test]
    fn text_in_a_language_known_by_its_buttons_only_is_not_read() {
        // Every built-in lexicon now holds statements, so the situation is
        // made: Icelandic and Irish with their statement data taken out
        // hold buttons, banner words and policy links only, and nothing
        // can be said to be missing from a text in them.
        let buttons_only = without_statements(&["is", "ga"]);
        for (lang, t) in [
            ("is", "Við notum vafrakökur til að mæla umferð á vefnum. Þú getur breytt vali þínu hvenær sem er."),
            ("ga", "Úsáidimid fianáin chun trácht ar an suíomh a thomhas. Is féidir leat do roghanna a athrú ag am ar bith."),
        ] {
            assert!(!buttons_only.reads_statements(lang));
            let f = read(&buttons_only, t);
            assert_eq!(f.language, lang, "language guessed from its banner words: {t}");
            assert!(!f.analysed, "read: {t}");
            assert!(f.sentences.is_empty());
            // Near miss: the same text with the lexicon's statement data
            // (the built-in one) is read, and its statements found.
            assert!(lex().reads_statements(lang));
            let f = read(lex(), t);
            assert!(f.analysed, "not read: {t}");
            assert!(f.withdraw, "withdrawal missed: {t}");
            assert!(!f.purposes.is_empty(), "purposes missed: {t}");
        }
        // And in a language read from the start.
        let f = read(
            lex(),
            "Nous utilisons des cookies pour la mesure d'audience. Vous pouvez modifier vos choix à tout moment.",
        );
        assert!(f.analysed);
        assert!(f.withdraw);
        assert!(lex().reads_statements("fr") && !buttons_only.reads_statements("is"));
    }

    /// Every `yes` must read as implied consent, every `no` must not.
    fn check(lang: &str, yes: &[&str], no: &[&str]) {
        assert!(yes.len() >= 10 && no.len() >= 10, "{lang}: too few cases");
        for t in yes {
            let f = read(lex(), t);
            assert!(f.implied_consent, "{lang}: missed implied consent: {t}");
            assert!(
                !f.sentences["implied_consent"].is_empty(),
                "{lang}: no sentence kept: {t}"
            );
        }
        for t in no {
            let f = read(lex(), t);
            assert!(
                !f.implied_consent,
                "{lang}: accused of implied consent: {t} ({:?})",
                f.sentences.get("implied_consent")
            );
        }
    }

    #[test]
    fn implied_consent_french() {
        check(
            "fr",
            &[
                "En poursuivant votre navigation sur ce site, vous acceptez l'utilisation de cookies.",
                "En poursuivant votre navigation, vous acceptez le dépôt de cookies tiers destinés à vous proposer des publicités personnalisées.",
                "En continuant à naviguer sur ce site, vous acceptez l'utilisation de cookies pour réaliser des statistiques de visites.",
                "Si vous continuez à utiliser ce site, nous supposerons que vous en êtes satisfait.",
                "La poursuite de votre navigation vaut acceptation de l'utilisation des cookies.",
                "En fermant ce bandeau, vous consentez au dépôt de cookies.",
                "Nous utilisons des cookies. En naviguant sur ce site, vous acceptez leur utilisation.",
                "En utilisant ce site, vous acceptez l'utilisation de cookies conformément à notre politique.",
                "Si vous poursuivez votre navigation, nous considérons que vous acceptez l'utilisation de cookies.",
                "En cliquant n'importe où sur cette page, vous nous autorisez à déposer des cookies.",
                "En poursuivant votre navigation, des cookies seront déposés sur votre terminal.",
                "Vous pouvez refuser les cookies dans les paramètres; en poursuivant votre navigation, vous acceptez leur dépôt.",
            ],
            &[
                "En fermant ce bandeau, vous refusez tous les cookies non essentiels.",
                "Continuer sans accepter",
                "En fermant ce bandeau, seuls les cookies strictement nécessaires seront déposés.",
                "Si vous fermez ce bandeau, aucun cookie non essentiel ne sera déposé.",
                "En poursuivant votre navigation sans faire de choix, vous refusez le dépôt de cookies publicitaires.",
                "En cliquant sur la croix, vous continuez votre navigation sans cookies.",
                "En poursuivant votre navigation, vous n'acceptez que les cookies nécessaires au fonctionnement du site.",
                "Vous pouvez accepter ou refuser les cookies. Vous pouvez modifier vos choix à tout moment.",
                "En cliquant sur « Tout accepter », vous acceptez le dépôt de cookies.",
                "Nous utilisons des cookies pour mesurer l'audience. En poursuivant votre navigation, vous pouvez modifier vos préférences à tout moment.",
                "La fermeture de ce bandeau vaut refus. En fermant ce bandeau, vous vous opposez au dépôt de traceurs.",
            ],
        );
    }

    #[test]
    fn implied_consent_english() {
        check(
            "en",
            &[
                "By continuing to browse, you agree to our use of cookies.",
                "By continuing to browse the site you are agreeing to our use of cookies.",
                "If you continue to use this site we will assume that you are happy with it.",
                "By using this website, you consent to the use of cookies in accordance with our Cookie Policy.",
                "By continuing to use our website, you accept the use of cookies.",
                "Continued use of this site constitutes acceptance of our use of cookies.",
                "By closing this banner, you agree to the use of cookies.",
                "By scrolling this page or clicking a link, you consent to our use of cookies.",
                "If you continue browsing, we'll assume you're ok with this.",
                "By navigating the site, you agree to the storing of cookies on your device.",
                "We use cookies. By continuing to browse, you accept them.",
                "You can refuse cookies in the settings; by continuing to browse you accept them.",
            ],
            &[
                "By closing this banner you reject all non-essential cookies.",
                "By clicking Accept all, you agree to the storing of cookies on your device.",
                "If you close this banner, only strictly necessary cookies will be set.",
                "By closing this message, you continue without accepting.",
                "Continue without accepting",
                "By continuing to browse without making a choice, no non-essential cookies will be used.",
                "If you close this notice, non-essential cookies will not be set.",
                "By continuing to browse, you accept only essential cookies.",
                "Closing this banner counts as a refusal.",
                "You can change your settings at any time. By continuing to browse, you can find more information in our cookie policy.",
                "Click Reject all to refuse cookies, or Accept all to agree to our use of cookies.",
            ],
        );
    }

    #[test]
    fn implied_consent_german() {
        check(
            "de",
            &[
                "Durch die weitere Nutzung der Webseite stimmen Sie der Verwendung von Cookies zu.",
                "Wenn Sie weiter surfen, stimmen Sie der Verwendung von Cookies zu.",
                "Mit der Nutzung dieser Website erklären Sie sich damit einverstanden, dass wir Cookies verwenden.",
                "Wenn Sie die Website weiter nutzen, gehen wir von Ihrem Einverständnis aus.",
                "Indem Sie diese Website nutzen, akzeptieren Sie die Verwendung von Cookies.",
                "Bei weiterer Nutzung der Seite sind Sie damit einverstanden, dass Cookies gesetzt werden.",
                "Durch das Schließen dieses Hinweises willigen Sie in die Nutzung von Cookies ein.",
                "Wenn Sie auf dieser Seite weitersurfen, erklären Sie sich mit der Verwendung von Cookies einverstanden. Wenn Sie weiterhin auf dieser Seite bleiben, stimmen Sie zu.",
                "Durch weiteres Surfen auf unserer Website stimmen Sie der Nutzung von Cookies zu.",
                "Wenn Sie das Banner schließen, gilt dies als Zustimmung zur Verwendung aller Cookies.",
                "Indem Sie weiter scrollen, akzeptieren Sie die Verwendung von Cookies.",
            ],
            &[
                "Wenn Sie das Banner schließen, werden nur notwendige Cookies gesetzt.",
                "Wenn Sie diesen Hinweis schließen, lehnen Sie alle nicht notwendigen Cookies ab.",
                "Durch das Schließen dieses Hinweises werden nur technisch notwendige Cookies verwendet.",
                "Mit der weiteren Nutzung der Website ohne Auswahl werden keine Cookies zu Analysezwecken gesetzt.",
                "Ablehnen",
                "Mit einem Klick auf „Alle akzeptieren“ stimmen Sie der Verwendung von Cookies zu.",
                "Sie können Ihre Einwilligung jederzeit widerrufen. Bei weiterer Nutzung finden Sie die Einstellungen im Footer.",
                "Wenn Sie das Fenster schließen, setzen wir keine Cookies zu Marketingzwecken.",
                "Wenn Sie weiter surfen, ohne eine Auswahl zu treffen, gilt dies als Ablehnung.",
                "Durch die weitere Nutzung der Website werden ohne Ihre Einwilligung keine Cookies gesetzt.",
                "Weiter ohne Einwilligung",
            ],
        );
    }

    #[test]
    fn implied_consent_spanish() {
        check(
            "es",
            &[
                "Si continúa navegando, consideramos que acepta su uso.",
                "Si continúas navegando, consideramos que aceptas su uso.",
                "Si continúa navegando, está dando su consentimiento para la aceptación de las mencionadas cookies.",
                "Al continuar navegando, acepta el uso de cookies.",
                "Al utilizar este sitio web, usted acepta el uso de cookies de acuerdo con nuestra política.",
                "Si sigues navegando, entendemos que aceptas nuestra política de cookies.",
                "Al cerrar este aviso, consiente la instalación de cookies.",
                "La continuación de la navegación implica la aceptación de la política de cookies.",
                "Si continúa en este sitio, se considerará que acepta el uso de cookies.",
                "Al navegar por este sitio web, aceptas el uso de cookies propias y de terceros.",
                "Al seguir navegando, das tu consentimiento para el uso de cookies.",
            ],
            &[
                "Si cierra este aviso, solo se usarán cookies técnicas.",
                "Al cerrar este banner, rechaza todas las cookies no necesarias.",
                "Si cierras este mensaje, continuarás navegando sin cookies.",
                "Continuar sin aceptar",
                "Al cerrar este aviso, únicamente se instalarán las cookies estrictamente necesarias.",
                "Si continúa navegando sin elegir, no se instalarán cookies de análisis ni de publicidad.",
                "Puede aceptar todas las cookies pulsando el botón Aceptar o rechazarlas pulsando Rechazar.",
                "Al continuar navegando podrá cambiar su configuración en cualquier momento.",
                "Si cierra la ventana, ninguna cookie de publicidad será instalada.",
                "Al pulsar Aceptar, acepta el uso de cookies.",
                "Al cerrar este aviso, continúa sin consentimiento.",
            ],
        );
    }

    #[test]
    fn implied_consent_italian() {
        check(
            "it",
            &[
                "Continuando la navigazione acconsenti all'uso dei cookie.",
                "Proseguendo la navigazione accetti l'uso dei cookie.",
                "Se prosegui nella navigazione di questo sito acconsenti all'utilizzo dei cookie.",
                "Chiudendo questo banner, scorrendo questa pagina o cliccando qualunque suo elemento acconsenti all'uso dei cookie.",
                "Se continui a navigare, accetti l'utilizzo dei cookie.",
                "Utilizzando questo sito acconsenti all'uso dei cookie di terze parti.",
                "Continuando a utilizzare il sito, presti il consenso all'uso dei cookie.",
                "Cliccando su qualunque elemento della pagina, acconsenti all'uso dei cookie.",
                "Scorrendo questa pagina acconsenti all'uso dei cookie.",
                "Proseguendo con la navigazione il consenso si intende prestato.",
                "Se prosegue la navigazione, acconsente all'uso dei cookie.",
            ],
            &[
                "Chiudendo il banner mediante la X continuerai la navigazione in assenza di cookie diversi da quelli tecnici.",
                "Chiudendo il banner mediante la X continuerai la navigazione in assenza di cookie o altri strumenti di tracciamento diversi da quelli tecnici.",
                "Chiudendo questo banner rifiuti tutti i cookie non necessari.",
                "Continua senza accettare",
                "Se chiudi il banner, verranno utilizzati solo i cookie tecnici.",
                "Chiudendo l'avviso, continuerai la navigazione senza cookie di profilazione.",
                "Cliccando su Accetta tutti acconsenti all'uso dei cookie.",
                "Puoi modificare le tue scelte in qualsiasi momento. Continuando a navigare puoi consultare la cookie policy.",
                "Chiudendo il banner nessun cookie di profilazione sarà installato.",
                "Se prosegui la navigazione senza scegliere, saranno usati soltanto i cookie tecnici necessari.",
                "Chiudendo questo banner continuerai senza il tuo consenso.",
            ],
        );
    }

    #[test]
    fn implied_consent_dutch() {
        check(
            "nl",
            &[
                "Door verder te surfen ga je akkoord met het gebruik van cookies.",
                "Door gebruik te maken van deze website gaat u akkoord met het gebruik van cookies.",
                "Als je verder gaat met surfen, geef je toestemming voor het plaatsen van cookies.",
                "Door verder te gaan op deze website, stemt u in met het gebruik van cookies.",
                "Bij verder gebruik van deze website gaat u akkoord met ons cookiebeleid.",
                "Als u deze website blijft gebruiken, gaan wij ervan uit dat u akkoord gaat.",
                "Door deze melding te sluiten, geeft u toestemming voor het gebruik van cookies.",
                "Door op onze website te blijven, accepteert u het gebruik van cookies.",
                "Door verder te navigeren geeft u toestemming voor alle cookies.",
                "Als u doorgaat met surfen, accepteert u onze cookies.",
                "Door verder te klikken ga je akkoord met cookies van derden.",
            ],
            &[
                "Als u deze melding sluit, worden alleen noodzakelijke cookies geplaatst.",
                "Door deze melding te sluiten weigert u alle niet-noodzakelijke cookies.",
                "Als je de banner sluit, plaatsen we alleen functionele cookies.",
                "Doorgaan zonder te accepteren",
                "Door deze banner te sluiten gaat u verder zonder cookies.",
                "Als je verder gaat met surfen zonder keuze, plaatsen we geen tracking cookies.",
                "Door op Alles accepteren te klikken ga je akkoord met het gebruik van cookies.",
                "U kunt uw keuze altijd wijzigen. Bij verder gebruik van de website vindt u de instellingen onderaan.",
                "Door de pop-up weg te klikken worden alleen strikt noodzakelijke cookies gebruikt.",
                "Als u deze melding sluit, geeft u geen toestemming; er worden geen analytische cookies geplaatst.",
                "Weigeren",
            ],
        );
    }

    #[test]
    fn implied_consent_keeps_the_sentence_that_decided() {
        let f = read(
            lex(),
            "Nous utilisons des cookies. En fermant ce bandeau, vous refusez les traceurs. \
             En poursuivant votre navigation, vous acceptez les cookies de mesure d'audience.",
        );
        assert!(f.implied_consent);
        assert_eq!(
            f.sentences["implied_consent"],
            "En poursuivant votre navigation, vous acceptez les cookies de mesure d'audience."
        );
    }

    #[test]
    fn a_number_of_partners_counts_only_where_partners_could_be_stated() {
        let f = read(
            lex(),
            "More than 500 partners accept our gift card in store. \
             You can pay with it online too.",
        );
        assert_eq!(f.partner_count, -1);
        assert!(!f.partners_mentioned);
        let f = read(
            lex(),
            "More than 500 partners accept our gift card in store. \
             We and our 312 partners store and access information on your device.",
        );
        assert_eq!(f.partner_count, 312);
        assert!(f.partners_mentioned);
    }
}
