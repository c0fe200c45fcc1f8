//! The memory allocator of every program built on mslint: mimalloc.
//!
//! A run allocates millions of small blocks (the parser's scalars, facts, findings) from every
//! worker at once; mimalloc serves them from per-thread pages, about a sixth less CPU time than
//! glibc's malloc on 50,000 documents. Its default commits its first arena up front, which cost a
//! run a third more peak memory; set as the program loads, it commits memory as it is used, and
//! returns freed pages after 10 ms (its default; whole arenas wait ten times that). Returning
//! them at once cost the 10× corpus a tenth more time (each return interrupts the other core to
//! flush its address cache, and the memory is faulted in again); 10 ms costs 50,000 documents
//! about 15 MB more peak memory, 100 ms about 25 MB for no more speed (`bench/` measures both).
#![allow(unsafe_code)]

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
mod settings {
    /// `mi_option_arena_eager_commit` in `mimalloc.h`'s option list (the same place in its v2 and v3).
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    /// `mi_option_purge_delay`, milliseconds before freed memory goes back to the system.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

    /// Sets the allocator to commit memory as it is used and to return it 10 ms after it is free.
    ///
    /// mimalloc reserves its first arena at the first allocation, which Rust's runtime makes before
    /// `main`, and whether an arena is committed up front is fixed when it is reserved: so this runs
    /// as the program is loaded, from the ELF initialisers, before any Rust code allocates. Elsewhere
    /// mimalloc keeps its defaults: the same speed, more peak memory.
    #[used]
    #[unsafe(link_section = ".init_array")]
    static CONFIGURE_AT_LOAD: extern "C" fn() = configure;

    extern "C" fn configure() {
        // SAFETY: `mi_option_set` stores an option value; both ids are options of the linked mimalloc.
        unsafe {
            libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
            libmimalloc_sys::mi_option_set(PURGE_DELAY, 10);
        }
    }
}
