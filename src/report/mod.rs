//! Rendering the report model ([`crate::verdict`]) in every format.
//!
//! HTML, Markdown and text are handlebars templates in `reports/`; JSON is
//! the model itself. Because every format reads the same model, they never
//! disagree. See [`render`] for the escaping rules of each format.

pub mod campaign;
pub mod chart;
pub mod check;
mod engine_words;
pub use engine_words::load_error as load_error_words;
pub mod har;
pub use crate::i18n;
pub mod render;

pub use crate::verdict::*;
