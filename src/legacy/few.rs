//! `Few`: zero, one or more items, the usual single one without a heap allocation.

/// Zero, one or more items; the usual single one without a heap allocation (nearly
/// every line has one value and one origin). Reads as a slice.
#[derive(Debug, Clone)]
pub enum Few<T> {
    One(T),
    /// Zero (an empty Vec allocates nothing), or two and more.
    Many(Vec<T>),
}

impl<T> Few<T> {
    pub fn push(&mut self, t: T) {
        let old = std::mem::replace(self, Few::Many(Vec::new()));
        *self = match old {
            Few::Many(v) if v.is_empty() => Few::One(t),
            Few::Many(mut v) => {
                v.push(t);
                Few::Many(v)
            }
            Few::One(a) => Few::Many(vec![a, t]),
        };
    }
}

impl<T> Default for Few<T> {
    fn default() -> Few<T> {
        Few::Many(Vec::new())
    }
}

impl<T> std::ops::Deref for Few<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            Few::One(t) => std::slice::from_ref(t),
            Few::Many(v) => v,
        }
    }
}

impl<T> From<Vec<T>> for Few<T> {
    fn from(mut v: Vec<T>) -> Few<T> {
        if v.len() == 1
            && let Some(t) = v.pop()
        {
            return Few::One(t);
        }
        Few::Many(v)
    }
}

impl<T> From<Option<T>> for Few<T> {
    fn from(o: Option<T>) -> Few<T> {
        o.map_or_else(Few::default, Few::One)
    }
}

impl<T> Extend<T> for Few<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for t in iter {
            self.push(t);
        }
    }
}

/// The owning iterator of `Few`.
pub enum FewIter<T> {
    One(std::option::IntoIter<T>),
    Many(std::vec::IntoIter<T>),
}

impl<T> Iterator for FewIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        match self {
            FewIter::One(i) => i.next(),
            FewIter::Many(i) => i.next(),
        }
    }
}

impl<T> IntoIterator for Few<T> {
    type Item = T;
    type IntoIter = FewIter<T>;
    fn into_iter(self) -> FewIter<T> {
        match self {
            Few::One(t) => FewIter::One(Some(t).into_iter()),
            Few::Many(v) => FewIter::Many(v.into_iter()),
        }
    }
}

impl<'f, T> IntoIterator for &'f Few<T> {
    type Item = &'f T;
    type IntoIter = std::slice::Iter<'f, T>;
    fn into_iter(self) -> std::slice::Iter<'f, T> {
        self.iter()
    }
}
