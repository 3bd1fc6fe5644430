-- name: log
-- description: The kernel log as dmesg prints it, like crash's log (count: only the last records; default all)
-- requires: log
-- param: count INTEGER default (-1)
-- output: text
SELECT line
FROM (SELECT seq, line FROM log ORDER BY seq DESC LIMIT :count)
ORDER BY seq;
