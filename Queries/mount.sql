-- name: mount
-- description: Mounts of the initial namespace like crash's mount
-- requires: mounts
SELECT mount,
       superblock,
       fstype,
       devname,
       mount_point
FROM mounts;
