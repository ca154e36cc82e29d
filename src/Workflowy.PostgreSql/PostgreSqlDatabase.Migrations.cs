namespace Workflowy;

// The migrations, as SQL text for a schema name {s} (quoted). Version 1: the store (runs, task records, values, events,
// run leases). Version 2: the distributed executor (workers, the task queue, results, counters, and the completion
// and reaper functions). Text columns that are sorted or compared use COLLATE "C" (ordinal, as .NET's ordinal order).
internal sealed partial class PostgreSqlDatabase
{
    private static string Version1(string s) => $$"""
        CREATE SCHEMA IF NOT EXISTS {{s}};
        COMMENT ON SCHEMA {{s}} IS '{{Marker}}';
        CREATE TABLE {{s}}.meta (
            key text COLLATE "C" PRIMARY KEY,
            value text NOT NULL
        );
        INSERT INTO {{s}}.meta (key, value) VALUES ('schema', '{{Marker}}'), ('version', '1');
        -- Run times are UTC ticks (100 ns), exact, so that a listing's continuation names a run exactly.
        CREATE TABLE {{s}}.runs (
            workflow text COLLATE "C" NOT NULL,
            run_id text COLLATE "C" NOT NULL,
            inputs_json text,
            status smallint CHECK (status BETWEEN 0 AND 3),
            started_at bigint,
            ended_at bigint,
            PRIMARY KEY (workflow, run_id)
        );
        CREATE INDEX runs_by_started ON {{s}}.runs (started_at, run_id, workflow) INCLUDE (status, ended_at);
        CREATE INDEX runs_by_workflow ON {{s}}.runs (workflow, started_at, run_id) INCLUDE (status, ended_at);
        CREATE INDEX runs_by_status ON {{s}}.runs (status, started_at, run_id, workflow) INCLUDE (ended_at);
        CREATE TABLE {{s}}.tasks (
            workflow text COLLATE "C" NOT NULL,
            run_id text COLLATE "C" NOT NULL,
            key text COLLATE "C" NOT NULL,
            state smallint NOT NULL CHECK (state BETWEEN 0 AND 7),
            result_json text,
            attempts integer NOT NULL CHECK (attempts >= 0),
            error text,
            started_at timestamptz,
            finished_at timestamptz,
            -- The offsets (minutes) the times were given with, so they read back as given.
            started_offset smallint,
            finished_offset smallint,
            PRIMARY KEY (workflow, run_id, key)
        );
        CREATE TABLE {{s}}.run_values (
            workflow text COLLATE "C" NOT NULL,
            run_id text COLLATE "C" NOT NULL,
            key text COLLATE "C" NOT NULL,
            json text NOT NULL,
            PRIMARY KEY (workflow, run_id, key)
        );
        CREATE TABLE {{s}}.events (
            name text COLLATE "C" PRIMARY KEY,
            payload_json text NOT NULL
        );
        CREATE TABLE {{s}}.leases (
            workflow text COLLATE "C" NOT NULL,
            run_id text COLLATE "C" NOT NULL,
            owner text NOT NULL,
            expires_at bigint NOT NULL,
            PRIMARY KEY (workflow, run_id)
        );
        """;

    private static string Version2(string s) => $$"""
        -- A distributed run has a sequence number (the queue's reference to it) and counts its tasks not yet terminal.
        ALTER TABLE {{s}}.runs
            ADD COLUMN seq bigint UNIQUE,
            ADD COLUMN pending_tasks integer,
            ADD COLUMN failed_tasks integer;
        CREATE SEQUENCE {{s}}.run_seq;
        CREATE SEQUENCE {{s}}.task_ids;
        -- One row per worker process; its lease is renewed by its heartbeat (state 0 live, 1 dead).
        CREATE TABLE {{s}}.workers (
            id uuid PRIMARY KEY,
            host text NOT NULL,
            pid integer NOT NULL,
            started_at timestamptz NOT NULL DEFAULT now(),
            lease_until timestamptz NOT NULL,
            state smallint NOT NULL DEFAULT 0
        );
        -- One row per task of a distributed run for the run's lifetime. state: TaskState (0 pending, 1 ready,
        -- 2 running, 4 completed, 5 failed, 6 cancelled, 7 skipped). attempt is the fencing token: bumped by every claim,
        -- checked (with state = running and the owner) by every write of an attempt's outcome. lost counts attempts
        -- that ended with their worker (they do not use up the retry policy's attempts).
        CREATE TABLE {{s}}.queue (
            id bigint PRIMARY KEY,
            run_seq bigint NOT NULL,
            name text COLLATE "C" NOT NULL,
            key text COLLATE "C" NOT NULL,
            inputs_json text,
            state smallint NOT NULL,
            pending_deps integer NOT NULL,
            failed_deps integer NOT NULL DEFAULT 0,
            deps bigint[] NOT NULL,
            dependents bigint[] NOT NULL,
            on_dep_failure smallint NOT NULL,
            attempt integer NOT NULL DEFAULT 0,
            lost integer NOT NULL DEFAULT 0,
            max_attempts integer NOT NULL,
            timeout_ms bigint,
            run_after timestamptz NOT NULL DEFAULT now(),
            owner uuid,
            claimed_at timestamptz,
            deadline timestamptz,
            finished_at timestamptz,
            error text,
            UNIQUE (run_seq, key)
        ) WITH (fillfactor = 70, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
        CREATE INDEX queue_ready ON {{s}}.queue (run_after, id) WHERE state = 1;
        CREATE INDEX queue_running ON {{s}}.queue (owner) WHERE state = 2;
        -- The result of each completed task, written once, by the fenced completion of its attempt.
        CREATE TABLE {{s}}.results (
            task_id bigint PRIMARY KEY,
            attempt integer NOT NULL,
            result_json text
        );
        CREATE TABLE {{s}}.counters (
            name text COLLATE "C" PRIMARY KEY,
            value bigint NOT NULL
        );
        INSERT INTO {{s}}.counters (name, value) VALUES ('fenced_writes', 0), ('reaped_tasks', 0), ('dead_workers', 0);

        -- Ends a batch of attempts, fenced: a row is written only if it is still running that attempt for that owner.
        -- outcome: 0 completed, 1 retry (ready again after delay_ms), 2 failed, 3 skipped, 4 lost (the worker died:
        -- ready again, the attempt not counted). Dependents are decremented per child (pre-aggregated), locked in id
        -- order; runs likewise, in seq order. Returns the attempts accepted, tasks made ready, and the runs that ended.
        CREATE FUNCTION {{s}}.complete_tasks(
            p_owner uuid, p_ids bigint[], p_attempts integer[], p_outcomes smallint[], p_results text[], p_errors text[],
            p_delays bigint[], p_notify boolean)
        RETURNS TABLE (accepted integer, readied integer, ended_runs text[])
        LANGUAGE plpgsql AS $fn$
        DECLARE
            v_accepted integer;
            v_readied integer := 0;
            v_ended text[];
            k_ids bigint[]; k_n integer[]; k_failed integer[];
            r_seqs bigint[]; r_n integer[]; r_failed integer[];
        BEGIN
            WITH input AS (
                SELECT * FROM unnest(p_ids, p_attempts, p_outcomes, p_results, p_errors, p_delays)
                    AS i(id, attempt, outcome, result, error, delay_ms)
            ), done AS (
                UPDATE {{s}}.queue q SET
                    state = CASE i.outcome WHEN 0 THEN 4 WHEN 2 THEN 5 WHEN 3 THEN 7 ELSE 1 END,
                    owner = NULL,
                    lost = q.lost + CASE WHEN i.outcome = 4 THEN 1 ELSE 0 END,
                    run_after = CASE WHEN i.outcome IN (1, 4) THEN now() + i.delay_ms * interval '1 millisecond' ELSE q.run_after END,
                    finished_at = CASE WHEN i.outcome IN (1, 4) THEN NULL ELSE now() END,
                    deadline = NULL,
                    error = i.error
                FROM input i
                WHERE q.id = i.id AND q.attempt = i.attempt AND q.state = 2
                  AND (p_owner IS NULL OR q.owner = p_owner)
                RETURNING q.id, q.run_seq, q.dependents, i.outcome, i.result, q.attempt
            ), stored AS (
                INSERT INTO {{s}}.results (task_id, attempt, result_json)
                SELECT id, attempt, result FROM done WHERE outcome = 0
            ), kids AS (
                SELECT c.id, count(*)::integer AS n, (count(*) FILTER (WHERE d.outcome <> 0))::integer AS failed
                FROM done d CROSS JOIN LATERAL unnest(d.dependents) AS c(id)
                WHERE d.outcome IN (0, 2, 3)
                GROUP BY c.id
            ), rs AS (
                SELECT run_seq, count(*)::integer AS n, (count(*) FILTER (WHERE outcome = 2))::integer AS failed
                FROM done WHERE outcome IN (0, 2, 3) GROUP BY run_seq
            )
            SELECT (SELECT count(*)::integer FROM done),
                   (SELECT array_agg(id ORDER BY id) FROM kids), (SELECT array_agg(n ORDER BY id) FROM kids),
                   (SELECT array_agg(failed ORDER BY id) FROM kids),
                   (SELECT array_agg(run_seq ORDER BY run_seq) FROM rs), (SELECT array_agg(n ORDER BY run_seq) FROM rs),
                   (SELECT array_agg(failed ORDER BY run_seq) FROM rs)
            INTO v_accepted, k_ids, k_n, k_failed, r_seqs, r_n, r_failed;

            IF v_accepted < cardinality(p_ids) THEN
                UPDATE {{s}}.counters SET value = value + (cardinality(p_ids) - v_accepted) WHERE name = 'fenced_writes';
            END IF;

            IF k_ids IS NOT NULL THEN
                PERFORM 1 FROM {{s}}.queue WHERE id = ANY (k_ids) ORDER BY id FOR UPDATE;
                WITH upd AS (
                    UPDATE {{s}}.queue q SET
                        pending_deps = q.pending_deps - k.n,
                        failed_deps = q.failed_deps + k.failed,
                        state = CASE WHEN q.state = 0 AND q.pending_deps - k.n <= 0 THEN 1 ELSE q.state END,
                        run_after = CASE WHEN q.state = 0 AND q.pending_deps - k.n <= 0 THEN now() ELSE q.run_after END
                    FROM unnest(k_ids, k_n, k_failed) AS k(id, n, failed)
                    WHERE q.id = k.id
                    RETURNING q.state, q.pending_deps
                )
                SELECT count(*) FILTER (WHERE state = 1 AND pending_deps <= 0) INTO v_readied FROM upd;
            END IF;

            IF r_seqs IS NOT NULL THEN
                PERFORM 1 FROM {{s}}.runs WHERE seq = ANY (r_seqs) ORDER BY seq FOR UPDATE;
                WITH upd AS (
                    UPDATE {{s}}.runs r SET
                        pending_tasks = r.pending_tasks - x.n,
                        failed_tasks = r.failed_tasks + x.failed,
                        status = CASE WHEN r.pending_tasks - x.n <= 0
                                      THEN CASE WHEN r.failed_tasks + x.failed > 0 THEN 2 ELSE 1 END
                                      ELSE r.status END,
                        ended_at = CASE WHEN r.pending_tasks - x.n <= 0
                                        THEN (extract(epoch FROM now()) * 10000000)::bigint + 621355968000000000
                                        ELSE r.ended_at END
                    FROM unnest(r_seqs, r_n, r_failed) AS x(seq, n, failed)
                    WHERE r.seq = x.seq
                    RETURNING r.run_id, r.pending_tasks
                )
                SELECT array_agg(run_id) FILTER (WHERE pending_tasks <= 0) INTO v_ended FROM upd;
            END IF;

            IF p_notify AND v_readied > 0 THEN
                PERFORM pg_notify('{{s.Trim('"')}}_ready', '');
            END IF;

            RETURN QUERY SELECT v_accepted, v_readied, v_ended;
        END
        $fn$;

        -- The reaper: workers whose lease expired are declared dead; their running tasks are returned (outcome 4: the
        -- attempt is not counted, up to 100 losses), and tasks running past their deadline plus a grace are ended as a
        -- timed-out attempt (retried if attempts are left). At most p_limit tasks per call; SKIP LOCKED, fenced.
        CREATE FUNCTION {{s}}.reap(p_grace_ms bigint, p_limit integer)
        RETURNS integer
        LANGUAGE plpgsql AS $fn$
        DECLARE
            v_ids bigint[]; v_attempts integer[]; v_outcomes smallint[]; v_errors text[]; v_delays bigint[]; v_results text[];
            v_dead integer;
        BEGIN
            UPDATE {{s}}.workers SET state = 1 WHERE state = 0 AND lease_until < now();
            GET DIAGNOSTICS v_dead = ROW_COUNT;
            IF v_dead > 0 THEN
                UPDATE {{s}}.counters SET value = value + v_dead WHERE name = 'dead_workers';
            END IF;

            SELECT array_agg(v.id ORDER BY v.id), array_agg(v.attempt ORDER BY v.id),
                   array_agg((CASE WHEN v.lost_worker AND v.lost < 100 THEN 4
                                   WHEN NOT v.lost_worker AND v.attempt - v.lost < v.max_attempts THEN 1
                                   ELSE 2 END)::smallint ORDER BY v.id),
                   array_agg((CASE WHEN v.lost_worker THEN 'WorkerLostException: the worker running the task stopped renewing its lease'
                                   ELSE 'TimeoutException: the attempt ran past its deadline' END) ORDER BY v.id),
                   array_agg(0::bigint ORDER BY v.id), array_agg(NULL::text ORDER BY v.id)
            INTO v_ids, v_attempts, v_outcomes, v_errors, v_delays, v_results
            FROM (
                SELECT q.id, q.attempt, q.lost, q.max_attempts, (w.id IS NULL OR w.state = 1) AS lost_worker
                FROM {{s}}.queue q LEFT JOIN {{s}}.workers w ON w.id = q.owner
                WHERE q.state = 2 AND (w.id IS NULL OR w.state = 1 OR q.deadline + p_grace_ms * interval '1 millisecond' < now())
                ORDER BY q.id
                LIMIT p_limit
                FOR UPDATE OF q SKIP LOCKED
            ) v;

            IF v_ids IS NULL THEN
                RETURN 0;
            END IF;

            UPDATE {{s}}.counters SET value = value + cardinality(v_ids) WHERE name = 'reaped_tasks';
            PERFORM {{s}}.complete_tasks(NULL, v_ids, v_attempts, v_outcomes, v_results, v_errors, v_delays, true);
            RETURN cardinality(v_ids);
        END
        $fn$;
        UPDATE {{s}}.meta SET value = '2' WHERE key = 'version';
        """;
}
