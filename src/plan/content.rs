//! What a planned file holds (`Artifact::content`).

use std::sync::Arc;

/// What an artifact holds: text jailvol made, or a configuration file's text as read,
/// shared with its `Source` (a jail.conf of thousands of jails is megabytes, and
/// `check` of a clean tree only compares it with itself).
#[derive(Debug, Clone)]
pub enum Content {
    Made(String),
    Read(Arc<String>),
}

impl std::ops::Deref for Content {
    type Target = String;
    fn deref(&self) -> &String {
        match self {
            Content::Made(s) => s,
            Content::Read(s) => s,
        }
    }
}

impl From<String> for Content {
    fn from(s: String) -> Content {
        Content::Made(s)
    }
}

impl Content {
    /// Whether this holds `text`: the very text shared (a file left as read, not
    /// compared byte by byte: megabytes for thousands of jails), else equal bytes.
    pub fn is(&self, text: &Arc<String>) -> bool {
        matches!(self, Content::Read(t) if Arc::ptr_eq(t, text)) || **self == **text
    }
}

/// Equal when the texts are, however each is held.
impl PartialEq for Content {
    fn eq(&self, other: &Content) -> bool {
        **self == **other
    }
}

impl Eq for Content {}

impl std::fmt::Display for Content {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

impl From<Content> for String {
    fn from(c: Content) -> String {
        match c {
            Content::Made(s) => s,
            Content::Read(s) => Arc::unwrap_or_clone(s),
        }
    }
}

impl From<&str> for Content {
    fn from(s: &str) -> Content {
        Content::Made(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_the_shared_text_or_equal_bytes() {
        let text = Arc::new(String::from("a { p; }\n"));
        assert!(Content::Read(Arc::clone(&text)).is(&text));
        assert!(Content::Read(Arc::new(text.to_string())).is(&text));
        assert!(Content::Made(text.to_string()).is(&text));
        assert!(!Content::Made("a { q; }\n".into()).is(&text));
        assert!(!Content::Read(Arc::new(String::new())).is(&text));
    }
}
