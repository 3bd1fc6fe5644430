-- name: tasks_by_state
-- description: Number of tasks in each state (RU, IN, UN, ZO, ...)
-- requires: tasks
SELECT state, count(*) AS tasks
FROM tasks
GROUP BY state
ORDER BY tasks DESC, state;
