-- name: cgroups
-- description: The cgroup v2 tree with memory and pids limits, usage and members
-- requires: cgroups,task_cgroups,tasks
SELECT c.path,
       c.controllers,
       c.memory_max,
       c.memory_current,
       c.pids_max,
       c.pids_current,
       c.nr_procs,
       (SELECT group_concat(t.pid || ':' || t.comm, ' ')
        FROM task_cgroups m JOIN tasks t ON t.task = m.task
        WHERE m.path = c.path AND t.pid = t.tgid AND c.level > 0) AS members
FROM cgroups c
ORDER BY c.path;
