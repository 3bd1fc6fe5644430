// Loads libedit on first use instead of at process start.
//
// Debian's libedit2 has carried the SONAME libedit.so.2 since 2009 (bookworm,
// trixie, sid). Every name is looked up in the library alone (dlsym on its
// handle), so kdsql exports no readline names of its own.
#include "CEdit.h"
#include <dlfcn.h>
#include <pthread.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *failure;
static char message[512];

static char *(*readline_fn)(const char *);
static void (*using_history_fn)(void);
static int (*add_history_fn)(const char *);
static void (*stifle_history_fn)(int);
static int (*read_history_fn)(const char *);
static int (*write_history_fn)(const char *);
static char **(*completion_matches_fn)(const char *, rl_compentry_func_t *);
static rl_completion_func_t **attempted_completion_function;
static int *attempted_completion_over;

static void load(void) {
    void *lib = dlopen("libedit.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *why = dlerror();
        snprintf(message, sizeof message, "%s (install Debian's libedit2)", why ? why : "libedit.so.2");
        failure = message;
        return;
    }
    readline_fn = (char *(*)(const char *))dlsym(lib, "readline");
    using_history_fn = (void (*)(void))dlsym(lib, "using_history");
    add_history_fn = (int (*)(const char *))dlsym(lib, "add_history");
    stifle_history_fn = (void (*)(int))dlsym(lib, "stifle_history");
    read_history_fn = (int (*)(const char *))dlsym(lib, "read_history");
    write_history_fn = (int (*)(const char *))dlsym(lib, "write_history");
    completion_matches_fn = (char **(*)(const char *, rl_compentry_func_t *))dlsym(lib, "rl_completion_matches");
    attempted_completion_function = (rl_completion_func_t **)dlsym(lib, "rl_attempted_completion_function");
    attempted_completion_over = (int *)dlsym(lib, "rl_attempted_completion_over");
    if (!readline_fn || !using_history_fn || !add_history_fn || !stifle_history_fn || !read_history_fn ||
        !write_history_fn || !completion_matches_fn || !attempted_completion_function || !attempted_completion_over) {
        snprintf(message, sizeof message, "libedit.so.2 lacks part of the readline interface");
        failure = message;
    }
}

const char *kdsql_edit_load(void) {
    pthread_once(&once, load);
    return failure;
}

char *kdsql_readline(const char *prompt) { return readline_fn(prompt); }
void kdsql_using_history(void) { using_history_fn(); }
int kdsql_add_history(const char *line) { return add_history_fn(line); }
void kdsql_stifle_history(int max) { stifle_history_fn(max); }
int kdsql_read_history(const char *path) { return read_history_fn(path); }
int kdsql_write_history(const char *path) { return write_history_fn(path); }
char **kdsql_rl_completion_matches(const char *text, rl_compentry_func_t *entry) {
    return completion_matches_fn(text, entry);
}
void kdsql_set_attempted_completion_function(rl_completion_func_t *function) { *attempted_completion_function = function; }
void kdsql_set_attempted_completion_over(int over) { *attempted_completion_over = over; }
