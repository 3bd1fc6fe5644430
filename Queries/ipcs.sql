-- name: ipcs
-- description: System V IPC objects of every IPC namespace like crash's ipcs (and ipcs -a): shared memory, semaphores, message queues
-- requires: ipc_shm,ipc_sem,ipc_msg
SELECT 'shm' AS kind, ipc_ns, printf('0x%08x', key & 0xffffffff) AS key, id, uid, printf('%o', perms) AS perms,
       size AS bytes, attached AS nattch_nsems_messages, creator_pid AS cpid
FROM ipc_shm
UNION ALL
SELECT 'sem', ipc_ns, printf('0x%08x', key & 0xffffffff), id, uid, printf('%o', perms), NULL, nsems, NULL
FROM ipc_sem
UNION ALL
SELECT 'msg', ipc_ns, printf('0x%08x', key & 0xffffffff), id, uid, printf('%o', perms), bytes, messages, NULL
FROM ipc_msg
ORDER BY kind DESC, ipc_ns, id;
