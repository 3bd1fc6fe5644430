-- name: files
-- description: Open files of one process like crash's files (default: the process that panicked)
-- requires: files,tasks,panic
-- param: pid INTEGER default (SELECT tgid FROM tasks WHERE task = (SELECT task FROM panic))
SELECT fd,
       file,
       dentry,
       inode,
       type,
       path
FROM files
WHERE pid = :pid
ORDER BY fd;
