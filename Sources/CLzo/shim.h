#include <lzo/lzo1x.h>
// lzo_init() is a macro; Swift cannot call it directly.
static inline int kdsql_lzo_init(void) { return lzo_init(); }
