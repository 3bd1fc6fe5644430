-- name: kmem_i
-- description: Memory usage summary like crash's kmem -i: pages, size and share of total memory of each /proc/meminfo line
-- requires: meminfo
SELECT name,
       CASE WHEN name LIKE 'HugePages\_%' ESCAPE '\' THEN NULL ELSE kb / 4 END AS pages,
       kb,
       CASE WHEN name LIKE 'HugePages\_%' ESCAPE '\' OR name LIKE 'Vmalloc%' THEN NULL
            ELSE round(kb * 100.0 / (SELECT kb FROM meminfo WHERE name = 'MemTotal'), 1) END AS pct_of_total
FROM meminfo;
