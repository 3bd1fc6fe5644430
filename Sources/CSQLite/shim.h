#include <sqlite3ext.h>
// Subclassed vtab and cursor structs: `owner` holds an Unmanaged Swift object.
typedef struct { sqlite3_vtab base; void *owner; } KdsqlVTab;
typedef struct { sqlite3_vtab_cursor base; void *owner; } KdsqlVTabCursor;
