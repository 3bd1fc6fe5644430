-- name: bash_count
-- description: How many tasks are bash
-- requires: tasks
SELECT count(*) AS bash FROM tasks WHERE comm = 'bash';
