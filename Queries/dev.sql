-- name: dev
-- description: Devices like crash's dev and dev -d: registered character and block majors, then every disk and partition with its I/O counts
-- requires: char_devices,block_devices,disks
SELECT 'chrdev' AS kind, major, NULL AS minor, name, NULL AS size_kb, NULL AS reads, NULL AS writes, NULL AS in_flight
FROM char_devices
UNION ALL
SELECT 'blkdev', major, NULL, name, NULL, NULL, NULL, NULL FROM block_devices
UNION ALL
SELECT 'disk', major, minor, name, size_kb, reads, writes, in_flight FROM disks
ORDER BY kind DESC, major, minor, name;
