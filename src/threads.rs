//! Native libraries' own threads, kept out of the way of docgraph's workers.
//!
//! Tesseract parallelises parts of recognition with OpenMP (libgomp), and libtorch calls
//! OpenBLAS, which keeps a pool of its own threads. docgraph already runs one document page per
//! worker on every core, so those extra threads only compete with the workers, and idle OpenMP
//! threads spin: measured on 24 scanned pages on one worker, 5.3 s with both libraries limited
//! to one thread, 17.6 s without (13 s of it system time).
//!
//! Both libraries read their limits (`OMP_THREAD_LIMIT`, `OPENBLAS_NUM_THREADS`) from the
//! environment when they load (libgomp before `main`, with Tesseract; OpenBLAS with the model
//! runtime, [`crate::runtime`]), so docgraph uses their run-time controls instead:
//! `omp_set_max_active_levels(0)` makes every OpenMP parallel region run on the thread that
//! reaches it (whatever `num_threads` it asks for; libgomp keeps it per thread, so each worker
//! sets it when it starts), and `openblas_set_num_threads(1)` stops OpenBLAS's pool, set as
//! soon as the model runtime has loaded. They are looked up by name in the
//! loaded libraries, so nothing is linked for them and a build without one of the libraries
//! still runs.

use std::ffi::CStr;
use std::sync::OnceLock;

/// Looks up a loaded C function `name` taking one `int`.
fn function(name: &CStr) -> Option<unsafe extern "C" fn(libc::c_int)> {
    // SAFETY: dlsym with RTLD_DEFAULT only searches the symbols already loaded.
    let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    // SAFETY: both functions looked up here have the C signature `void f(int)`.
    (!p.is_null()).then(|| unsafe {
        std::mem::transmute::<*mut libc::c_void, unsafe extern "C" fn(libc::c_int)>(p)
    })
}

/// Stops OpenBLAS's own pool; true when OpenBLAS is loaded. Called when the model runtime
/// (which brings OpenBLAS with libtorch) has loaded.
pub(crate) fn limit_openblas() -> bool {
    let blas = function(c"openblas_set_num_threads");
    if let Some(f) = blas {
        // SAFETY: a setter of the library's global setting, valid at any time.
        unsafe { f(1) };
    }
    blas.is_some()
}

/// Makes OpenMP parallel regions started from the calling thread run on it alone (libgomp keeps
/// this setting per thread: call it on every worker thread, before its first OCR). True when
/// OpenMP is loaded.
pub(crate) fn limit_openmp_here() -> bool {
    // Kept once found (a library loaded later, the model runtime's, may bring libgomp).
    static FUNCTION: OnceLock<unsafe extern "C" fn(libc::c_int)> = OnceLock::new();
    let f = FUNCTION
        .get()
        .copied()
        .or_else(|| function(c"omp_set_max_active_levels").map(|f| *FUNCTION.get_or_init(|| f)));
    if let Some(f) = f {
        // SAFETY: a setter of the calling thread's OpenMP setting, valid at any time.
        unsafe { f(0) };
    }
    f.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(name: &CStr) -> libc::c_int {
        let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
        assert!(!p.is_null(), "{name:?} is loaded");
        // SAFETY: the getters looked up here have the C signature `int f(void)`.
        let f =
            unsafe { std::mem::transmute::<*mut libc::c_void, extern "C" fn() -> libc::c_int>(p) };
        f()
    }

    #[test]
    fn openmp_and_openblas_are_found_and_limited_on_the_threads_that_ask() {
        // OpenBLAS comes with libtorch, in the model runtime (which limits it as it loads);
        // libgomp with libtorch too (and with Tesseract, which this test binary does not link).
        crate::runtime::load_library().unwrap();
        // On a fresh thread: libgomp's default lets a parallel region start a team.
        std::thread::spawn(|| {
            assert!(get(c"omp_get_max_active_levels") > 0);
            assert!(
                limit_openmp_here(),
                "libgomp is loaded (Tesseract, libtorch)"
            );
            assert_eq!(get(c"omp_get_max_active_levels"), 0);
        })
        .join()
        .unwrap();
        assert!(limit_openblas(), "OpenBLAS is loaded (libtorch)");
        assert_eq!(get(c"openblas_get_num_threads"), 1);
    }
}
