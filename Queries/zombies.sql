-- name: zombies
-- description: Zombie tasks (ZO) and the parents that have not reaped them
-- requires: tasks
SELECT z.pid, z.comm, z.ppid, p.comm AS parent_comm
FROM tasks AS z
LEFT JOIN tasks AS p ON p.pid = z.ppid
WHERE z.state = 'ZO'
ORDER BY z.ppid, z.pid;
