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
