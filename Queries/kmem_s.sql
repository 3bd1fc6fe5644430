-- name: kmem_s
-- description: Slab caches like crash's kmem -s, biggest first: objects in use and allocated, slabs and memory held
-- requires: slab_caches
SELECT kd_hex(address) AS cache,
       name,
       size AS objsize,
       active_objects AS allocated,
       total_objects AS total,
       slabs,
       (4 << "order") AS ssize_kb,
       slabs * (4 << "order") AS total_kb
FROM slab_caches
ORDER BY total_kb DESC, name;
