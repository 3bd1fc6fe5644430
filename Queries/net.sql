-- name: net
-- description: Network devices with their addresses, like crash's net
-- requires: net_devices,net_addresses
SELECT d.dev AS net_device,
       d.name,
       d.netns_inum AS netns,
       d.flags_text AS flags,
       d.mac,
       group_concat(a.address || '/' || a.prefix_len, ', ') AS addresses
FROM net_devices d
LEFT JOIN net_addresses a ON a.dev = d.dev
GROUP BY d.dev
ORDER BY d.netns_inum, d.ifindex;
