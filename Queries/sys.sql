-- name: sys
-- description: System summary like crash's sys (kernel, uptime, load, memory, panic)
-- requires: sys
SELECT * FROM sys;
