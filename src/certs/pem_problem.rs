//! What can be wrong with the PEM framing of a value, or why it is not PEM at all, worded so
//! that no content is ever echoed (labels only when short and well-formed).

/// Why a value given as PEM text contained no PEM block at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotPemHint {
    /// Nothing more specific to say.
    None,
    /// The value looks like a file path (which is repeated here; it is not secret).
    LooksLikePath(String),
    /// The value looks like base64 DER without the `-----BEGIN …-----` / `-----END …-----` lines.
    BareBase64,
}

/// Which boundary line of a PEM block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    Begin,
    End,
}

impl Boundary {
    fn word(self) -> &'static str {
        match self {
            Boundary::Begin => "BEGIN",
            Boundary::End => "END",
        }
    }
}

/// What is wrong with the PEM framing. Labels are kept only when short and well-formed
/// (uppercase words, at most 40 characters); `None` stands for any other label, which is
/// described, not echoed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PemProblem {
    /// A `-----BEGIN …-----` or `-----END …-----` line has text after its closing dashes
    /// (often the base64 body, glued on when line breaks were lost).
    TextAfterBoundary {
        line: Boundary,
        label: Option<String>,
    },
    /// A line starts like a BEGIN or END line but has no closing dashes.
    UnterminatedBoundary { line: Boundary },
    /// A block is closed by an END line with another label.
    MismatchedEnd {
        begin: Option<String>,
        end: Option<String>,
    },
    /// A BEGIN line comes before the previous block's END line.
    BeginInsideBlock {
        open: Option<String>,
        next: Option<String>,
    },
    /// A BEGIN line has no END line at all.
    Unclosed { label: Option<String> },
}

impl std::fmt::Display for PemProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PemProblem::TextAfterBoundary { line, label } => write!(
                f,
                "{} has text after its closing `-----`; each BEGIN and END line must stand on a line of its own, with the base64 body on the lines between them",
                boundary_text(*line, label.as_deref())
            ),
            PemProblem::UnterminatedBoundary { line } => write!(
                f,
                "a line starts with `-----{}` but does not end with `-----`",
                line.word()
            ),
            PemProblem::MismatchedEnd { begin, end } => write!(
                f,
                "{} is closed by {}",
                boundary_text(Boundary::Begin, begin.as_deref()),
                boundary_text(Boundary::End, end.as_deref())
            ),
            PemProblem::BeginInsideBlock { open, next } => write!(
                f,
                "the block opened by {} has no END line before the next BEGIN line ({})",
                boundary_text(Boundary::Begin, open.as_deref()),
                boundary_text(Boundary::Begin, next.as_deref())
            ),
            PemProblem::Unclosed { label } => write!(
                f,
                "{} has no matching END line",
                boundary_text(Boundary::Begin, label.as_deref())
            ),
        }
    }
}

/// `the `BEGIN CERTIFICATE` line`, or, for a label not fit to show, `a BEGIN line with an
/// unusual label`.
fn boundary_text(line: Boundary, label: Option<&str>) -> String {
    match label {
        Some(l) => format!("the `{} {l}` line", line.word()),
        None => format!("a {} line with an unusual label (not shown)", line.word()),
    }
}
