//! The privacy-notice checklist (GDPR art. 13 and 14): which of the
//! required elements a notice gives, the sentence that shows each, the
//! supervisory authorities it names and the ways it offers to exercise
//! one's rights.
//!
//! The words come from `rules/notice.toml` ([`NoticeLexicon`]); only
//! e-mail addresses are found by code.

use std::ops::Range;

use crate::facts::{NoticeElementFact, PolicyFacts};
use crate::knowledge::lexicon::{normalise, sentence_around};
use crate::knowledge::notice::{Channel, NoticeLexicon, Requirement};

/// Longest evidence sentence, in characters.
const SENTENCE_MAX: usize = 300;

/// How far from a rights, privacy or data-protection-officer phrase an
/// e-mail address may be and still count as the address to write to, in
/// bytes of normalised text.
const EMAIL_RADIUS: usize = 150;

/// Local parts of addresses that are plainly meant for privacy requests.
const PRIVACY_LOCAL_PARTS: [&str; 14] = [
    "dpo",
    "dpd",
    "rpd",
    "privacy",
    "privacidad",
    "datenschutz",
    "rgpd",
    "gdpr",
    "dsgvo",
    "avg",
    "dataprotection",
    "data-protection",
    "data.protection",
    "donneespersonnelles",
];

/// What a notice says, element by element.
#[derive(Debug, Clone, Default)]
pub struct Notice {
    /// Every element of the checklist, in checklist order.
    pub checklist: Vec<NoticeElementFact>,
    /// Ids of the elements required in every notice and not found, in
    /// checklist order.
    pub missing: Vec<String>,
    /// Ids of the where-applicable elements not found, in checklist order.
    pub not_stated_where_applicable: Vec<String>,
    /// `email:ADDRESS` entries first, then `form`, `account`, `postal`.
    pub rights_channels: Vec<String>,
    /// Supervisory authorities named, in order of first appearance.
    pub authorities: Vec<String>,
}

impl Notice {
    /// Copy the findings into the policy facts.
    pub fn fill(self, policy: &mut PolicyFacts) {
        policy.rights_channel = !self.rights_channels.is_empty();
        policy.checklist = self.checklist;
        policy.missing = self.missing;
        policy.not_stated_where_applicable = self.not_stated_where_applicable;
        policy.rights_channels = self.rights_channels;
        policy.authorities = self.authorities;
    }
}

/// Check a notice's text against the checklist.
pub fn check(text: &str, k: &NoticeLexicon) -> Notice {
    let text = normalise(text);
    let mut notice = Notice::default();
    for (i, (id, _, _)) in k.elements().enumerate() {
        let hit = k.first_match(i, &text);
        let required = k.requirement(i);
        if hit.is_none() {
            match required {
                Requirement::Always => notice.missing.push(id.to_string()),
                Requirement::WhereApplicable => {
                    notice.not_stated_where_applicable.push(id.to_string())
                }
            }
        }
        notice.checklist.push(NoticeElementFact {
            element: id.to_string(),
            required: required.name().to_string(),
            found: hit.is_some(),
            sentence: hit
                .map(|r| cut(sentence_around(&text, r.start, r.end)))
                .unwrap_or_default(),
        });
    }
    if text.is_empty() {
        return notice;
    }
    notice.rights_channels = email_channels(&text, k)
        .into_iter()
        .map(|a| format!("email:{a}"))
        .collect();
    for channel in Channel::ALL {
        if k.has_channel(channel, &text) {
            notice.rights_channels.push(channel.name().to_string());
        }
    }
    notice.authorities = k.authorities(&text);
    notice
}

/// At most [`SENTENCE_MAX`] characters, an ellipsis marking the cut.
fn cut(sentence: String) -> String {
    if sentence.chars().count() <= SENTENCE_MAX {
        return sentence;
    }
    let mut kept: String = sentence.chars().take(SENTENCE_MAX - 1).collect();
    kept.push('…');
    kept
}

/// The addresses to exercise one's rights: those whose local part looks
/// like privacy; failing that, those written near a rights, privacy or
/// officer phrase; failing that, the first address of the notice. Each
/// once, in text order.
fn email_channels<'t>(text: &'t str, k: &NoticeLexicon) -> Vec<&'t str> {
    let addresses: Vec<(Range<usize>, &str)> = email_addresses(text)
        .into_iter()
        .map(|r| (r.clone(), &text[r]))
        .collect();
    let mut chosen: Vec<&str> = Vec::new();
    for (_, a) in &addresses {
        if looks_like_privacy(a) && !chosen.contains(a) {
            chosen.push(a);
        }
    }
    if chosen.is_empty() {
        for (r, a) in &addresses {
            if !chosen.contains(a) && k.near_rights_phrase(text, r.clone(), EMAIL_RADIUS) {
                chosen.push(a);
            }
        }
    }
    if chosen.is_empty() {
        chosen.extend(addresses.first().map(|(_, a)| *a));
    }
    chosen
}

/// Is the local part of `address` one of [`PRIVACY_LOCAL_PARTS`], or made
/// of one and other words (`privacy-team`, `dpo.fr`)?
fn looks_like_privacy(address: &str) -> bool {
    let local = address.split('@').next().unwrap_or_default();
    PRIVACY_LOCAL_PARTS.iter().any(|p| {
        local.split(['.', '-', '_', '+']).any(|word| word == *p)
            // Long names may be glued to other words (`privacyteam`);
            // short ones (`avg`, `dpo`) must stand alone.
            || (p.len() >= 6 && local.contains(p))
    })
}

/// Byte ranges of the e-mail addresses in lower-case `text`.
fn email_addresses(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let local = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._%+-".contains(&b);
    let domain = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-';
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find('@').map(|i| from + i) {
        from = i + 1;
        let mut start = i;
        while start > 0 && local(bytes[start - 1]) {
            start -= 1;
        }
        while start < i && matches!(bytes[start], b'.' | b'-' | b'+') {
            start += 1;
        }
        let mut end = i + 1;
        while end < bytes.len() && domain(bytes[end]) {
            end += 1;
        }
        while end > i + 1 && matches!(bytes[end - 1], b'.' | b'-') {
            end -= 1;
        }
        if start == i {
            continue;
        }
        let host = &text[i + 1..end];
        let Some((name, tld)) = host.rsplit_once('.') else {
            continue;
        };
        if name.is_empty()
            || name.starts_with(['.', '-'])
            || tld.len() < 2
            || !tld.bytes().all(|b| b.is_ascii_lowercase())
        {
            continue;
        }
        found.push(start..end);
        from = end;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn lexicon() -> &'static NoticeLexicon {
        static K: OnceLock<NoticeLexicon> = OnceLock::new();
        K.get_or_init(|| NoticeLexicon::builtin().unwrap())
    }

    fn found(n: &Notice, id: &str) -> bool {
        n.checklist
            .iter()
            .find(|e| e.element == id)
            .unwrap_or_else(|| panic!("no element {id}"))
            .found
    }

    fn sentence<'a>(n: &'a Notice, id: &str) -> &'a str {
        &n.checklist
            .iter()
            .find(|e| e.element == id)
            .unwrap()
            .sentence
    }

    const FR: &str = "Politique de confidentialité\n\
        La société Exemple SAS, 12 rue de la Paix, 75002 Paris, est responsable du traitement de vos données personnelles.\n\
        Nous utilisons vos données pour gérer vos commandes, vous envoyer notre lettre d’information et \
        mesurer l’audience du site : ce sont les finalités du traitement.\n\
        La base légale est l’exécution du contrat, votre consentement pour la lettre d’information \
        et notre intérêt légitime pour la mesure d’audience.\n\
        Les destinataires de vos données sont nos services internes et notre hébergeur, \
        qui agit comme sous-traitant.\n\
        Vos données sont conservées pendant trois ans après votre dernière commande.\n\
        Conformément au RGPD, vous disposez d’un droit d’accès, d’un droit de rectification, \
        du droit à l’effacement, du droit à la limitation du traitement, du droit à la portabilité \
        et du droit d’opposition.\n\
        Vous pouvez retirer votre consentement à tout moment.\n\
        Pour exercer vos droits, écrivez à dpo@exemple.fr ou par courrier à l’adresse ci-dessus, \
        ou utilisez le formulaire de contact.\n\
        Vous pouvez introduire une réclamation auprès de la CNIL, 3 place de Fontenoy, Paris.\n\
        Contact presse : presse@exemple.fr.";

    const EN: &str = "Privacy notice. Example Ltd, 1 High Street, London, is the data controller. \
        You can reach our Data Protection Officer at privacy@example.co.uk. \
        We process your personal data for the following purposes: running your account and sending newsletters. \
        The legal basis is the performance of a contract and your consent. \
        Recipients of your data are our hosting provider and payment processor. \
        Some providers are located outside the EEA; transfers rely on standard contractual clauses. \
        We keep your data for as long as your account is open and for three years after. \
        You have the right of access, the right to rectification, the right to erasure, \
        the right to restriction of processing, the right to data portability and the right to object. \
        You may withdraw your consent at any time from your account settings. \
        You have the right to lodge a complaint with a supervisory authority, such as the ICO. \
        We do not use automated decision-making or profiling.";

    #[test]
    fn notice_french_missing_three() {
        let n = check(FR, lexicon());
        // The three it leaves out are required only where applicable: an
        // officer, transfers outside the EEA and automated decisions may
        // well not exist. Nothing required in every notice is missing.
        assert_eq!(n.missing, Vec::<String>::new());
        assert_eq!(
            n.not_stated_where_applicable,
            ["dpo", "transfers", "automated_decisions"]
        );
        let required = |id: &str| {
            n.checklist
                .iter()
                .find(|e| e.element == id)
                .map(|e| e.required.as_str())
                .unwrap()
        };
        assert_eq!(required("dpo"), "where_applicable");
        assert_eq!(required("retention"), "always");
        assert_eq!(n.checklist.len(), 16);
        assert!(found(&n, "controller") && found(&n, "withdrawal"));
        assert_eq!(
            sentence(&n, "complaint"),
            "vous pouvez introduire une réclamation auprès de la cnil, 3 place de fontenoy, paris."
        );
        assert_eq!(n.authorities, ["CNIL"]);
        assert_eq!(
            n.rights_channels,
            ["email:dpo@exemple.fr", "form", "postal"]
        );
        assert_eq!(
            sentence(&n, "retention"),
            "vos données sont conservées pendant trois ans après votre dernière commande."
        );
        assert!(sentence(&n, "right_access").contains("droit d'accès"));
        assert!(n
            .checklist
            .iter()
            .all(|e| e.sentence.chars().count() <= 300));
        // Missing elements have no sentence.
        assert_eq!(sentence(&n, "dpo"), "");
    }

    #[test]
    fn notice_without_retention_misses_an_always_required_element() {
        let text = FR.replace(
            "Vos données sont conservées pendant trois ans après votre dernière commande.",
            "",
        );
        let n = check(&text, lexicon());
        assert_eq!(n.missing, ["retention"]);
        assert_eq!(
            n.not_stated_where_applicable,
            ["dpo", "transfers", "automated_decisions"]
        );
    }

    #[test]
    fn notice_english_complete() {
        let n = check(EN, lexicon());
        assert_eq!(n.missing, Vec::<String>::new());
        assert!(n
            .checklist
            .iter()
            .all(|e| e.found && !e.sentence.is_empty()));
        assert_eq!(n.authorities, ["ICO"]);
        assert_eq!(
            n.rights_channels,
            ["email:privacy@example.co.uk", "account"]
        );
        // (Sentences end at the first full stop, here the address's.)
        assert!(sentence(&n, "dpo")
            .starts_with("you can reach our data protection officer at privacy@example"));
    }

    const GERMAN: &str = "Datenschutzerklärung. Verantwortlicher ist die Beispiel GmbH. \
            Sie haben das Recht auf Auskunft, Berichtigung, Löschung, Einschränkung der Verarbeitung, \
            Datenübertragbarkeit sowie ein Widerspruchsrecht. \
            Sie haben das Recht auf Beschwerde bei einer Aufsichtsbehörde, etwa dem \
            Landesbeauftragten für Datenschutz und Informationsfreiheit oder dem BfDI. \
            Anfragen richten Sie bitte an datenschutz@beispiel.de.";

    #[test]
    fn notice_german_rights_and_complaint() {
        let text = GERMAN;
        let n = check(text, lexicon());
        for id in [
            "controller",
            "right_access",
            "right_rectification",
            "right_erasure",
            "right_restriction",
            "right_portability",
            "right_objection",
            "complaint",
        ] {
            assert!(found(&n, id), "{id}");
        }
        assert_eq!(
            n.missing,
            ["purposes", "legal_basis", "recipients", "retention"]
        );
        assert_eq!(
            n.not_stated_where_applicable,
            ["dpo", "transfers", "withdrawal", "automated_decisions"]
        );
        assert_eq!(n.authorities, ["Landesbeauftragte für Datenschutz", "BfDI"]);
        assert_eq!(n.rights_channels, ["email:datenschutz@beispiel.de"]);
    }

    const ITALIAN: &str = "Informativa privacy. Titolare del trattamento è Esempio S.r.l. \
            L'interessato ha diritto di accesso, rettifica, cancellazione, limitazione del trattamento, \
            portabilità dei dati e opposizione. \
            Ha inoltre il diritto di proporre reclamo al Garante per la protezione dei dati personali. \
            Per esercitare i suoi diritti può usare il modulo di contatto.";

    #[test]
    fn notice_italian_rights_and_complaint() {
        let text = ITALIAN;
        let n = check(text, lexicon());
        for id in [
            "controller",
            "right_access",
            "right_rectification",
            "right_erasure",
            "right_restriction",
            "right_portability",
            "right_objection",
            "complaint",
        ] {
            assert!(found(&n, id), "{id}");
        }
        assert!(!found(&n, "retention") && !found(&n, "transfers"));
        assert_eq!(n.authorities, ["Garante"]);
        assert_eq!(n.rights_channels, ["form"]);
    }

    const SPANISH: &str = "Política de privacidad. Responsable del tratamiento: Ejemplo S.L. \
            Puede ejercer sus derechos de acceso, rectificación, supresión, limitación, \
            portabilidad y oposición escribiendo a privacidad@ejemplo.es. \
            También puede presentar una reclamación ante la Agencia Española de Protección de Datos (AEPD).";

    #[test]
    fn notice_spanish_rights_and_complaint() {
        let text = SPANISH;
        let n = check(text, lexicon());
        for id in [
            "controller",
            "right_access",
            "right_rectification",
            "right_erasure",
            "right_restriction",
            "right_portability",
            "right_objection",
            "complaint",
        ] {
            assert!(found(&n, id), "{id}");
        }
        assert_eq!(n.authorities, ["AEPD"]);
        assert_eq!(n.rights_channels, ["email:privacidad@ejemplo.es"]);
    }

    const DUTCH: &str = "Privacyverklaring. Voorbeeld B.V. is verwerkingsverantwoordelijke. \
            U heeft het recht op inzage, rectificatie, wissing, beperking van de verwerking, \
            dataportabiliteit en het recht van bezwaar. \
            U kunt een klacht indienen bij de Autoriteit Persoonsgegevens. \
            Neem contact op via het contactformulier of in mijn account.";

    #[test]
    fn notice_dutch_rights_and_complaint() {
        let text = DUTCH;
        let n = check(text, lexicon());
        for id in [
            "controller",
            "right_access",
            "right_rectification",
            "right_erasure",
            "right_restriction",
            "right_portability",
            "right_objection",
            "complaint",
        ] {
            assert!(found(&n, id), "{id}");
        }
        assert_eq!(n.authorities, ["AP"]);
        assert_eq!(n.rights_channels, ["form", "account"]);
    }

    #[test]
    fn notice_no_false_positives() {
        let k = lexicon();
        let all: Vec<String> = k.elements().map(|(id, _, _)| id.to_string()).collect();
        for text in [
            "We respect your privacy.",
            "We respect your privacy. Access our website from any device, \
             and see how we retain customers with great service.",
            "Nous respectons votre vie privée. Accédez à notre site depuis tout appareil.",
            "All rights reserved. Access to the website and use of this site are subject to our terms.",
            "Tous droits réservés. Conditions d'accès au site.",
            "Alle Rechte vorbehalten. Auskunft erteilt unser Kundendienst.",
            "Tutti i diritti riservati. Accesso all'area clienti.",
            "Todos los derechos reservados. Acceso a la tienda.",
            "Alle rechten voorbehouden. Inzage in bestellingen via de app.",
        ] {
            let n = check(text, k);
            let mut not_found = n.missing.clone();
            not_found.extend(n.not_stated_where_applicable.iter().cloned());
            not_found.sort_by_key(|id| all.iter().position(|a| a == id));
            assert_eq!(not_found, all, "{text}");
            assert!(n
                .checklist
                .iter()
                .all(|e| !e.found && e.sentence.is_empty()));
            assert_eq!(n.authorities, Vec::<String>::new());
            assert_eq!(n.rights_channels, Vec::<String>::new());
        }
    }

    #[test]
    fn notice_empty_text() {
        let k = lexicon();
        let n = check("", k);
        assert_eq!(
            n.missing.len() + n.not_stated_where_applicable.len(),
            k.len()
        );
        assert_eq!(n.checklist.len(), k.len());
        assert!(n.rights_channels.is_empty() && n.authorities.is_empty());
        let n = check(" \n\t ", k);
        assert_eq!(
            n.missing.len() + n.not_stated_where_applicable.len(),
            k.len()
        );
    }

    #[test]
    fn notice_email_choice() {
        let k = lexicon();
        // A dpo@ address does not name an officer.
        let n = check("Write to dpo@example.com.", k);
        assert!(!found(&n, "dpo"));
        assert_eq!(n.rights_channels, ["email:dpo@example.com"]);
        // Only an unrelated address: it counts, alone.
        let n = check(
            "Contact: hello@example.com or sales@example.com. Access our website.",
            k,
        );
        assert_eq!(n.rights_channels, ["email:hello@example.com"]);
        // An address next to "exercise your rights" wins over the others...
        let text = format!(
            "Press: press@example.com. {} To exercise your rights, write to legal@example.com.",
            "Lorem ipsum dolor sit amet. ".repeat(10)
        );
        assert_eq!(check(&text, k).rights_channels, ["email:legal@example.com"]);
        // ...and privacy-looking local parts over both.
        let text = format!("{text} Or gdpr-requests@example.com, or privacy@example.com.");
        assert_eq!(
            check(&text, k).rights_channels,
            [
                "email:gdpr-requests@example.com",
                "email:privacy@example.com"
            ]
        );
        let text = "mail x.y+z@sub.example.org. not@this, @no, a@b.c, -q@r.st";
        let found: Vec<&str> = email_addresses(text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(found, ["x.y+z@sub.example.org", "q@r.st"]);
    }

    #[test]
    fn notice_every_element_in_every_language() {
        // One usual wording per element and language (en, fr, de, it, es, nl).
        let table: [(&str, [&str; 6]); 16] = [
            (
                "controller",
                [
                    "Example Ltd is the data controller.",
                    "Le responsable du traitement est la société Exemple.",
                    "Verantwortlicher ist die Beispiel GmbH.",
                    "Il titolare del trattamento è Esempio S.r.l.",
                    "El responsable del tratamiento es Ejemplo S.L.",
                    "Voorbeeld B.V. is de verwerkingsverantwoordelijke.",
                ],
            ),
            (
                "dpo",
                [
                    "Contact our Data Protection Officer.",
                    "Contactez notre délégué à la protection des données.",
                    "Unser Datenschutzbeauftragter ist erreichbar.",
                    "Il responsabile della protezione dei dati (RPD) è raggiungibile.",
                    "Puede contactar con nuestro delegado de protección de datos.",
                    "Neem contact op met onze functionaris voor de gegevensbescherming.",
                ],
            ),
            (
                "purposes",
                [
                    "We use your personal data to deliver your orders.",
                    "Les finalités du traitement sont les suivantes.",
                    "Die Zwecke der Verarbeitung sind folgende.",
                    "Le finalità del trattamento sono le seguenti.",
                    "La finalidad del tratamiento es gestionar su pedido.",
                    "De verwerkingsdoeleinden zijn de volgende.",
                ],
            ),
            (
                "legal_basis",
                [
                    "The legal basis is your consent.",
                    "La base légale du traitement est votre consentement.",
                    "Rechtsgrundlage ist Ihre Einwilligung.",
                    "La base giuridica del trattamento è il consenso.",
                    "Legitimación: su consentimiento.",
                    "De grondslag voor de verwerking is uw toestemming.",
                ],
            ),
            (
                "recipients",
                [
                    "The recipients of your data are our processors.",
                    "Les destinataires de vos données sont nos services.",
                    "Empfänger der Daten sind unsere Dienstleister.",
                    "I destinatari dei dati sono i nostri fornitori.",
                    "Los destinatarios de sus datos son nuestros proveedores.",
                    "De ontvangers van uw gegevens zijn onze leveranciers.",
                ],
            ),
            (
                "transfers",
                [
                    "Some data is transferred to third countries.",
                    "Aucune donnée n'est transférée hors de l'Union européenne.",
                    "Eine Übermittlung in ein Drittland findet nicht statt.",
                    "I dati non sono trasferiti verso paesi terzi.",
                    "No se realizan transferencias internacionales de datos.",
                    "Gegevens worden buiten de Europese Economische Ruimte verwerkt.",
                ],
            ),
            (
                "retention",
                [
                    "The retention period is three years.",
                    "La durée de conservation est de trois ans.",
                    "Die Speicherdauer beträgt drei Jahre.",
                    "Il periodo di conservazione è di tre anni.",
                    "El plazo de conservación es de tres años.",
                    "De bewaartermijn is drie jaar.",
                ],
            ),
            (
                "right_access",
                [
                    "You have a right of access.",
                    "Vous disposez d'un droit d'accès.",
                    "Sie haben ein Recht auf Auskunft.",
                    "Lei ha il diritto di accesso.",
                    "Usted tiene derecho de acceso.",
                    "U heeft recht op inzage.",
                ],
            ),
            (
                "right_rectification",
                [
                    "You have the right to rectification.",
                    "Vous disposez d'un droit de rectification.",
                    "Sie haben ein Recht auf Berichtigung.",
                    "Lei ha il diritto di rettifica.",
                    "Usted tiene derecho de rectificación.",
                    "U heeft recht op rectificatie.",
                ],
            ),
            (
                "right_erasure",
                [
                    "You have the right to erasure.",
                    "Vous disposez d'un droit à l'effacement.",
                    "Sie haben ein Recht auf Löschung.",
                    "Lei ha il diritto alla cancellazione.",
                    "Usted tiene derecho de supresión.",
                    "U heeft recht op vergetelheid.",
                ],
            ),
            (
                "right_restriction",
                [
                    "You have the right to restriction of processing.",
                    "Vous disposez d'un droit à la limitation du traitement.",
                    "Sie haben ein Recht auf Einschränkung der Verarbeitung.",
                    "Lei ha diritto alla limitazione del trattamento.",
                    "Usted tiene derecho a la limitación del tratamiento.",
                    "U heeft recht op beperking van de verwerking.",
                ],
            ),
            (
                "right_portability",
                [
                    "You have the right to data portability.",
                    "Vous disposez d'un droit à la portabilité.",
                    "Sie haben ein Recht auf Datenübertragbarkeit.",
                    "Lei ha diritto alla portabilità dei dati.",
                    "Usted tiene derecho a la portabilidad.",
                    "U heeft recht op dataportabiliteit.",
                ],
            ),
            (
                "right_objection",
                [
                    "You have the right to object.",
                    "Vous disposez d'un droit d'opposition.",
                    "Sie haben ein Widerspruchsrecht.",
                    "Lei ha il diritto di opposizione.",
                    "Usted tiene derecho de oposición.",
                    "U heeft het recht van bezwaar.",
                ],
            ),
            (
                "withdrawal",
                [
                    "You may withdraw your consent at any time.",
                    "Vous pouvez retirer votre consentement à tout moment.",
                    "Sie können Ihre Einwilligung jederzeit widerrufen.",
                    "Può revocare il consenso in qualsiasi momento.",
                    "Puede retirar su consentimiento en cualquier momento.",
                    "U kunt uw toestemming op elk moment intrekken.",
                ],
            ),
            (
                "complaint",
                [
                    "You may lodge a complaint with a supervisory authority.",
                    "Vous pouvez introduire une réclamation auprès de la CNIL.",
                    "Sie haben das Recht auf Beschwerde bei einer Aufsichtsbehörde.",
                    "Può proporre reclamo al Garante.",
                    "Puede presentar una reclamación ante la AEPD.",
                    "U kunt een klacht indienen bij de Autoriteit Persoonsgegevens.",
                ],
            ),
            (
                "automated_decisions",
                [
                    "We do not use automated decision-making.",
                    "Aucune décision automatisée n'est prise.",
                    "Eine automatisierte Entscheidungsfindung findet nicht statt.",
                    "Non è previsto alcun processo decisionale automatizzato.",
                    "No se toman decisiones automatizadas.",
                    "Er vindt geen geautomatiseerde besluitvorming plaats.",
                ],
            ),
        ];
        let k = lexicon();
        let ids: Vec<&str> = k.elements().map(|(id, _, _)| id).collect();
        assert_eq!(ids, table.map(|(id, _)| id));
        for (i, (id, phrases)) in table.iter().enumerate() {
            for phrase in phrases {
                assert!(
                    k.first_match(i, &normalise(phrase)).is_some(),
                    "{id}: {phrase}"
                );
            }
        }
    }

    /// Every test text, for the comparison of word boundaries.
    const OTHERS: [&str; 6] = [
        "Übermittelt an Dritte. Datenübertragbarkeit, Übertragbarkeit. Löschung.",
        "Finalité, finalités du traitement; les données sont transférées hors de l'UE.",
        "La Garante per la protezione dei dati personali; l'Österreichische Datenschutzbehörde.",
        "Se cederán datos a terceros; derecho de oposición, limitación y portabilidad.",
        "Recht auf Einschränkung; Widerspruch gegen die Verarbeitung; Einwilligung widerrufen.",
        "Wij bewaren uw gegevens; bezwaar maken; toestemming intrekken; één bewaartermijn.",
    ];

    #[test]
    fn notice_ascii_boundaries_change_nothing() {
        let ascii = lexicon();
        let unicode = NoticeLexicon::builtin_unicode().unwrap();
        let texts = [FR, EN, GERMAN, ITALIAN, SPANISH, DUTCH]
            .into_iter()
            .chain(OTHERS);
        for text in texts {
            let t = normalise(text);
            for (i, (id, _, _)) in ascii.elements().enumerate() {
                assert_eq!(
                    ascii.first_match(i, &t),
                    unicode.first_match(i, &t),
                    "{id} in {t}"
                );
            }
            assert_eq!(ascii.authorities(&t), unicode.authorities(&t), "{t}");
            for c in Channel::ALL {
                assert_eq!(ascii.has_channel(c, &t), unicode.has_channel(c, &t));
            }
        }
        let n = check(OTHERS[0], ascii);
        assert!(found(&n, "recipients") && found(&n, "right_portability"));
    }

    #[test]
    fn notice_fills_policy_facts() {
        let mut policy = PolicyFacts::default();
        check(EN, lexicon()).fill(&mut policy);
        assert_eq!(policy.checklist.len(), 16);
        assert!(policy.missing.is_empty());
        assert!(policy.rights_channel);
        assert_eq!(policy.authorities, ["ICO"]);
    }
}
