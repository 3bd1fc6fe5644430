// Loads libcapstone on first use instead of at process start.
//
// The library's SONAME follows its API major version (libcapstone.so.4 on
// Debian bookworm, .so.5 on trixie), which is the version of the header this
// file is compiled against, so the file loaded is the one the structures
// (cs_insn) were laid out for. The functions are the library's own, looked
// up in it alone (dlsym on its handle): kdsql exports no capstone names, so
// a host that loads the kdsql extension next to its own capstone is unaffected.
#include "CCapstone.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#define KDSQL_STR2(x) #x
#define KDSQL_STR(x) KDSQL_STR2(x)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *failure;
static char message[512];

static cs_err (*open_fn)(cs_arch, cs_mode, csh *);
static cs_err (*close_fn)(csh *);
static size_t (*disasm_fn)(csh, const uint8_t *, size_t, uint64_t, size_t, cs_insn **);
static void (*free_fn)(cs_insn *, size_t);
static const char *(*strerror_fn)(cs_err);

static void load(void) {
    const char *soname = "libcapstone.so." KDSQL_STR(CS_API_MAJOR);
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *why = dlerror();
        snprintf(message, sizeof message, "%s (install Debian's libcapstone%d)", why ? why : soname, CS_API_MAJOR);
        failure = message;
        return;
    }
    open_fn = (cs_err (*)(cs_arch, cs_mode, csh *))dlsym(lib, "cs_open");
    close_fn = (cs_err (*)(csh *))dlsym(lib, "cs_close");
    disasm_fn = (size_t (*)(csh, const uint8_t *, size_t, uint64_t, size_t, cs_insn **))dlsym(lib, "cs_disasm");
    free_fn = (void (*)(cs_insn *, size_t))dlsym(lib, "cs_free");
    strerror_fn = (const char *(*)(cs_err))dlsym(lib, "cs_strerror");
    if (!open_fn || !close_fn || !disasm_fn || !free_fn || !strerror_fn) {
        snprintf(message, sizeof message, "%s lacks the cs_open/cs_disasm/cs_free/cs_close/cs_strerror functions", soname);
        failure = message;
    }
}

const char *kdsql_capstone_load(void) {
    pthread_once(&once, load);
    return failure;
}

cs_err kdsql_cs_open(cs_arch arch, cs_mode mode, csh *handle) { return open_fn(arch, mode, handle); }
cs_err kdsql_cs_close(csh *handle) { return close_fn(handle); }
size_t kdsql_cs_disasm(csh handle, const uint8_t *code, size_t code_size, uint64_t address, size_t count, cs_insn **insn) {
    return disasm_fn(handle, code, code_size, address, count, insn);
}
void kdsql_cs_free(cs_insn *insn, size_t count) { free_fn(insn, count); }
const char *kdsql_cs_strerror(cs_err code) { return strerror_fn(code); }
