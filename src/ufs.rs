//! A small read-only UFS2 reader: enough to check what `create --via makefs` made
//! (superblock, root directory, small files). Layout from FreeBSD `sys/ufs/ffs/fs.h`
//! (struct fs, SBLOCKSEARCH, cgbase/cgimin/ino_to_fsba) and `sys/ufs/ufs/dinode.h`,
//! `sys/ufs/ufs/dir.h` (struct ufs2_dinode, struct direct); little-endian images only.
//!
//! Files are read through their 12 direct block pointers only (UFS_NDADDR): files larger
//! than 12 blocks (384 KiB with 32 KiB blocks) are refused, not misread.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Superblock locations (fs.h): UFS2's usual place, UFS1's, floppies, "piggy" media.
pub const SBLOCK_UFS2: u64 = 65536;
pub const SBLOCK_UFS1: u64 = 8192;
pub const SBLOCK_FLOPPY: u64 = 0;
pub const SBLOCK_PIGGY: u64 = 262144;
/// The order FreeBSD searches them (fs.h SBLOCKSEARCH).
pub const SBLOCKSEARCH: [u64; 4] = [SBLOCK_UFS2, SBLOCK_UFS1, SBLOCK_FLOPPY, SBLOCK_PIGGY];
pub const SBLOCKSIZE: usize = 8192;
/// fs.h FS_UFS2_MAGIC, in `fs_magic`, the last field of struct fs (sizeof 1376).
pub const FS_UFS2_MAGIC: u32 = 0x1954_0119;
pub const FS_UFS1_MAGIC: u32 = 0x0001_1954;
pub const MAGIC_OFFSET: usize = 1372;
/// Bytes from the start of an image that cover every search location.
pub const SEARCH_SPAN: usize = SBLOCK_PIGGY as usize + SBLOCKSIZE;
/// The root directory's inode (UFS_ROOTINO).
pub const ROOT_INO: u32 = 2;
const DINODE2_SIZE: u64 = 256;
const NDADDR: usize = 12;

/// The superblock fields the reader needs (byte offsets in struct fs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Superblock {
    /// Where it was found.
    pub location: u64,
    /// fs_sblockloc (1000): where the superblock says the standard one is.
    pub sblockloc: i64,
    pub iblkno: u32,
    pub ncg: u32,
    pub bsize: u32,
    pub fsize: u32,
    pub frag: u32,
    pub ipg: u32,
    pub fpg: u32,
    /// fs_size (1080): the filesystem's size in fragments.
    pub size_frags: i64,
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}
fn i64_at(b: &[u8], off: usize) -> Option<i64> {
    Some(i64::from_le_bytes(b.get(off..off + 8)?.try_into().ok()?))
}
fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(off..off + 2)?.try_into().ok()?))
}

/// Parse a superblock at the start of `b` (SBLOCKSIZE bytes), if it is a sane UFS2 one.
pub fn parse_superblock(b: &[u8], location: u64) -> Option<Superblock> {
    if u32_at(b, MAGIC_OFFSET)? != FS_UFS2_MAGIC {
        return None;
    }
    let sb = Superblock {
        location,
        sblockloc: i64_at(b, 1000)?,
        iblkno: u32_at(b, 16)?,
        ncg: u32_at(b, 44)?,
        bsize: u32_at(b, 48)?,
        fsize: u32_at(b, 52)?,
        frag: u32_at(b, 56)?,
        ipg: u32_at(b, 184)?,
        fpg: u32_at(b, 188)?,
        size_frags: i64_at(b, 1080)?,
    };
    let pow2 = |v: u32| v.is_power_of_two();
    let sane = pow2(sb.bsize)
        && (4096..=65536).contains(&sb.bsize)
        && pow2(sb.fsize)
        && sb.fsize >= 512
        && sb.fsize <= sb.bsize
        && sb.frag == sb.bsize / sb.fsize
        && sb.ipg > 0
        && sb.fpg > 0
        && sb.ipg.is_multiple_of(sb.bsize / DINODE2_SIZE as u32);
    sane.then_some(sb)
}

/// Search the standard locations in FreeBSD's order; `head` is the image's first bytes.
pub fn find_superblock(head: &[u8]) -> Option<Superblock> {
    SBLOCKSEARCH.iter().find_map(|&loc| {
        let start = usize::try_from(loc).ok()?;
        parse_superblock(head.get(start..start + SBLOCKSIZE)?, loc)
    })
}

/// One inode's fields the reader uses.
#[derive(Debug, Clone)]
pub struct Inode {
    pub mode: u16,
    pub size: u64,
    pub flags: u32,
    pub db: [i64; NDADDR],
}

impl Inode {
    pub fn is_dir(&self) -> bool {
        self.mode & 0o170000 == 0o040000
    }
    pub fn is_file(&self) -> bool {
        self.mode & 0o170000 == 0o100000
    }
}

/// A directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub ino: u32,
    pub kind: u8,
}

pub struct Image {
    file: File,
    pub sb: Superblock,
}

fn bad(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

impl Image {
    pub fn open(path: &Path) -> io::Result<Image> {
        let file = File::open(path)?;
        let mut head = vec![0u8; SEARCH_SPAN];
        let len = file.metadata()?.len();
        let n = usize::try_from(len.min(SEARCH_SPAN as u64)).unwrap_or(SEARCH_SPAN);
        file.read_exact_at(&mut head[..n], 0)?;
        let sb = find_superblock(&head[..n]).ok_or_else(|| bad("no UFS2 superblock"))?;
        Ok(Image { file, sb })
    }

    fn read_at(&self, off: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut buf = vec![0u8; len];
        self.file.read_exact_at(&mut buf, off)?;
        Ok(buf)
    }

    /// fs.h ino_to_fsba / ino_to_fsbo for UFS2 (cgstart is cgbase).
    pub fn inode(&self, ino: u32) -> io::Result<Inode> {
        let sb = &self.sb;
        let inopb = u64::from(sb.bsize) / DINODE2_SIZE;
        let ino = u64::from(ino);
        let cg = ino / u64::from(sb.ipg);
        let cgimin = u64::from(sb.fpg) * cg + u64::from(sb.iblkno);
        let fsba = cgimin + ((ino % u64::from(sb.ipg)) / inopb) * u64::from(sb.frag);
        let off = fsba * u64::from(sb.fsize) + (ino % inopb) * DINODE2_SIZE;
        let b = self.read_at(off, DINODE2_SIZE as usize)?;
        let mut db = [0i64; NDADDR];
        for (i, d) in db.iter_mut().enumerate() {
            *d = i64_at(&b, 112 + 8 * i).unwrap_or(0);
        }
        Ok(Inode {
            mode: u16_at(&b, 0).unwrap_or(0),
            size: u64::try_from(i64_at(&b, 16).unwrap_or(0)).map_err(|_| bad("negative size"))?,
            flags: u32_at(&b, 88).unwrap_or(0),
            db,
        })
    }

    /// The contents of a small file or directory (direct blocks only).
    pub fn contents(&self, ip: &Inode) -> io::Result<Vec<u8>> {
        let bsize = u64::from(self.sb.bsize);
        if ip.size > bsize * NDADDR as u64 {
            return Err(bad(format!(
                "{} bytes needs indirect blocks, which this reader does not follow",
                ip.size
            )));
        }
        let mut out = Vec::with_capacity(usize::try_from(ip.size).unwrap_or(0));
        let mut left = ip.size;
        for &blk in &ip.db {
            if left == 0 {
                break;
            }
            let n = left.min(bsize);
            let len = usize::try_from(n).map_err(|_| bad("block too large"))?;
            if blk == 0 {
                out.resize(out.len() + len, 0); // a hole
            } else {
                let addr = u64::try_from(blk).map_err(|_| bad("negative block address"))?;
                out.extend(self.read_at(addr * u64::from(self.sb.fsize), len)?);
            }
            left -= n;
        }
        Ok(out)
    }

    /// dir.h struct direct: d_ino u32, d_reclen u16, d_type u8, d_namlen u8, name.
    pub fn read_dir(&self, ino: u32) -> io::Result<Vec<Entry>> {
        let ip = self.inode(ino)?;
        if !ip.is_dir() {
            return Err(bad(format!("inode {ino} is not a directory")));
        }
        let data = self.contents(&ip)?;
        let mut out = Vec::new();
        let mut off = 0usize;
        while off + 8 <= data.len() {
            let d_ino = u32_at(&data, off).unwrap_or(0);
            let reclen = usize::from(u16_at(&data, off + 4).unwrap_or(0));
            let kind = data[off + 6];
            let namlen = usize::from(data[off + 7]);
            if reclen < 8 {
                return Err(bad("corrupt directory entry"));
            }
            if d_ino != 0 {
                let name = data
                    .get(off + 8..off + 8 + namlen)
                    .ok_or_else(|| bad("directory entry past its block"))?;
                out.push(Entry {
                    name: String::from_utf8_lossy(name).into_owned(),
                    ino: d_ino,
                    kind,
                });
            }
            off += reclen;
        }
        Ok(out)
    }

    /// The inode of a `/`-separated path from the root.
    pub fn lookup(&self, path: &str) -> io::Result<u32> {
        let mut ino = ROOT_INO;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            ino = self
                .read_dir(ino)?
                .into_iter()
                .find(|e| e.name == part)
                .map(|e| e.ino)
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{path}: not found")))?;
        }
        Ok(ino)
    }

    /// The contents of the regular file at `path`.
    pub fn read_file(&self, path: &str) -> io::Result<Vec<u8>> {
        let ip = self.inode(self.lookup(path)?)?;
        if !ip.is_file() {
            return Err(bad(format!("{path}: not a regular file")));
        }
        self.contents(&ip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_superblock_in_search_order() {
        let mut img = vec![0u8; SEARCH_SPAN];
        let put = |img: &mut Vec<u8>, loc: usize| {
            let b = &mut img[loc..loc + SBLOCKSIZE];
            b[16..20].copy_from_slice(&40u32.to_le_bytes());
            b[48..52].copy_from_slice(&32768u32.to_le_bytes());
            b[52..56].copy_from_slice(&4096u32.to_le_bytes());
            b[56..60].copy_from_slice(&8u32.to_le_bytes());
            b[184..188].copy_from_slice(&128u32.to_le_bytes());
            b[188..192].copy_from_slice(&8192u32.to_le_bytes());
            b[1000..1008].copy_from_slice(&(loc as i64).to_le_bytes());
            b[MAGIC_OFFSET..MAGIC_OFFSET + 4].copy_from_slice(&FS_UFS2_MAGIC.to_le_bytes());
        };
        assert!(find_superblock(&img).is_none());
        put(&mut img, 8192);
        assert_eq!(find_superblock(&img).unwrap().location, 8192);
        put(&mut img, 65536);
        let sb = find_superblock(&img).unwrap();
        assert_eq!(
            (sb.location, sb.bsize, sb.fsize, sb.sblockloc),
            (65536, 32768, 4096, 65536)
        );
        // A UFS1 magic is not UFS2.
        img[65536 + MAGIC_OFFSET..65536 + MAGIC_OFFSET + 4].copy_from_slice(&FS_UFS1_MAGIC.to_le_bytes());
        assert_eq!(find_superblock(&img).unwrap().location, 8192);
        // Truncated images do not panic.
        assert!(find_superblock(&img[..9000]).is_none());
    }
}
