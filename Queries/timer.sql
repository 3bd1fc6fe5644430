-- name: timer
-- description: Pending timer_list timers per CPU in expiry order, like crash's timer
-- requires: timers
SELECT cpu,
       expires,
       expires_in,
       timer,
       function
FROM timers
ORDER BY cpu, expires, timer;
