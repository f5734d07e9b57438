//! SQLite's memory, taken from the server's allocator.
//!
//! SQLite allocates through the C library's `malloc` unless told otherwise, and reading rows
//! allocates for every value (diesel keeps each row past its statement, so it copies them):
//! on a page of posts, glibc's `malloc` and `free` were an eighth of the server's
//! instructions. [`install`] gives SQLite the Rust global allocator (mimalloc) instead,
//! before the process opens its first connection.

use std::alloc::{Layout, alloc, dealloc, realloc};
use std::ffi::{c_int, c_void};
use std::ptr::null_mut;
use std::sync::Once;

use libsqlite3_sys::{SQLITE_CONFIG_MALLOC, SQLITE_OK, sqlite3_config, sqlite3_mem_methods};

/// Bytes before each block SQLite receives, holding the block's whole size, which freeing
/// needs and SQLite does not pass. Eight keeps the eight-byte alignment SQLite requires.
const HEADER: usize = 8;
const ALIGN: usize = 8;

/// Hands SQLite the global allocator. Every path that opens an SQLite connection calls this
/// first, as `sqlite3_config` may only run before SQLite initialises; later calls do nothing.
pub fn install() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let methods = sqlite3_mem_methods {
            xMalloc: Some(allocate),
            xFree: Some(free),
            xRealloc: Some(reallocate),
            xSize: Some(size_of),
            xRoundup: Some(round_up),
            xInit: Some(init),
            xShutdown: Some(shutdown),
            pAppData: null_mut(),
        };
        // SAFETY: no SQLite connection is open yet (every opening waits on `INSTALLED`),
        // so SQLite is not initialised and no other thread is inside it; SQLite copies
        // `methods`.
        let code = unsafe { sqlite3_config(SQLITE_CONFIG_MALLOC, &raw const methods) };
        if code != SQLITE_OK {
            // Something else initialised SQLite first; it keeps the C library's allocator.
            tracing::warn!(code, "SQLite keeps its own allocator");
        }
    });
}

/// The layout of a block of `total` bytes, header included.
fn layout(total: usize) -> Option<Layout> {
    Layout::from_size_align(total, ALIGN).ok()
}

unsafe extern "C" fn allocate(size: c_int) -> *mut c_void {
    let Some(total) = usize::try_from(size)
        .ok()
        .and_then(|size| size.checked_add(HEADER))
    else {
        return null_mut();
    };
    let Some(layout) = layout(total) else {
        return null_mut();
    };
    // SAFETY: the layout is at least HEADER bytes, never empty.
    let block = unsafe { alloc(layout) };
    if block.is_null() {
        return null_mut();
    }
    // SAFETY: the block holds at least HEADER bytes and is aligned for a usize.
    unsafe {
        block.cast::<usize>().write(total);
        block.add(HEADER).cast()
    }
}

/// The block behind `memory`, which [`allocate`] or [`reallocate`] returned, and its size.
///
/// # Safety
///
/// `memory` must have come from [`allocate`] or [`reallocate`] and not have been freed.
unsafe fn block_of(memory: *mut c_void) -> (*mut u8, usize) {
    // SAFETY: the caller's promise: HEADER bytes before `memory` start the block and hold
    // its size.
    unsafe {
        let block = memory.cast::<u8>().sub(HEADER);
        (block, block.cast::<usize>().read())
    }
}

unsafe extern "C" fn free(memory: *mut c_void) {
    if memory.is_null() {
        return;
    }
    // SAFETY: SQLite frees only what it allocated through these methods, once; the layout
    // is the one the block was allocated with.
    unsafe {
        let (block, total) = block_of(memory);
        dealloc(block, Layout::from_size_align_unchecked(total, ALIGN));
    }
}

unsafe extern "C" fn reallocate(memory: *mut c_void, size: c_int) -> *mut c_void {
    if memory.is_null() {
        // SAFETY: allocating has no precondition.
        return unsafe { allocate(size) };
    }
    let Some(new_total) = usize::try_from(size)
        .ok()
        .and_then(|size| size.checked_add(HEADER))
    else {
        return null_mut();
    };
    if layout(new_total).is_none() {
        return null_mut();
    }
    // SAFETY: `memory` is a live block of these methods (SQLite's contract); the old
    // layout is the one it was allocated with and the new size was checked above. On
    // failure the old block stays valid, as SQLite expects.
    unsafe {
        let (block, total) = block_of(memory);
        let moved = realloc(
            block,
            Layout::from_size_align_unchecked(total, ALIGN),
            new_total,
        );
        if moved.is_null() {
            return null_mut();
        }
        moved.cast::<usize>().write(new_total);
        moved.add(HEADER).cast()
    }
}

unsafe extern "C" fn size_of(memory: *mut c_void) -> c_int {
    if memory.is_null() {
        return 0;
    }
    // SAFETY: SQLite asks only about live blocks of these methods.
    let (_, total) = unsafe { block_of(memory) };
    c_int::try_from(total - HEADER).unwrap_or(c_int::MAX)
}

unsafe extern "C" fn round_up(size: c_int) -> c_int {
    size.checked_add(7).map_or(size, |size| size & !7)
}

unsafe extern "C" fn init(_: *mut c_void) -> c_int {
    SQLITE_OK
}

unsafe extern "C" fn shutdown(_: *mut c_void) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_keep_their_contents_and_sizes_through_growth() {
        // SAFETY: each block is used within its size and freed once.
        unsafe {
            let memory = allocate(24).cast::<u8>();
            assert!(!memory.is_null());
            assert_eq!(memory as usize % ALIGN, 0);
            assert_eq!(size_of(memory.cast()), 24);
            for i in 0..24 {
                memory.add(i).write(i as u8);
            }
            let grown = reallocate(memory.cast(), 4096).cast::<u8>();
            assert!(!grown.is_null());
            assert_eq!(size_of(grown.cast()), 4096);
            assert!((0..24).all(|i| grown.add(i).read() == i as u8));
            let shrunk = reallocate(grown.cast(), 8).cast::<u8>();
            assert_eq!(size_of(shrunk.cast()), 8);
            assert!((0..8).all(|i| shrunk.add(i).read() == i as u8));
            free(shrunk.cast());
            free(null_mut());
            assert!(allocate(-1).is_null());
            assert_eq!(round_up(13), 16);
            assert_eq!(round_up(16), 16);
        }
    }
}
