'use strict';

/** The console's screens: definitions and their differences, running executions, upgrades, bulk progress. */
(() => {
    const PAGE_SIZE = 20;
    const POLL_MS = 1000;
    const DONE = new Set(['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'FAILED_WITH_TERMINAL_ERROR', 'CANCELED',
        'SKIPPED', 'TIMED_OUT']);
    const el = Tree.el;
    const $ = id => document.getElementById(id);
    const state = {
        definitions: new Map(), name: null, version: null, start: 0, selected: new Set(),
        execution: null, plan: null, pending: null, pollTimer: null
    };

    // --- feedback ------------------------------------------------------------------------------------------

    function say(message) {
        $('status').textContent = message;
    }

    function fail(error) {
        $('error').textContent = error instanceof Error ? error.message : String(error);
    }

    /** Runs an action for a button: disabled while it runs, its failure shown in the alert line. */
    async function act(button, action) {
        $('error').textContent = '';
        if (button) {
            button.disabled = true;
        }
        try {
            await action();
        } catch (e) {
            fail(e);
        } finally {
            if (button) {
                button.disabled = false;
            }
        }
    }

    function show(id, visible) {
        $(id).hidden = !visible;
    }

    function facts(dl, pairs) {
        dl.replaceChildren(...pairs.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
    }

    function jsonObject(text, field) {
        let value;
        try {
            value = JSON.parse(text.trim() === '' ? '{}' : text);
        } catch (e) {
            throw new Error(field + ' is not valid JSON: ' + e.message);
        }
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
            throw new Error(field + ' must be a JSON object');
        }
        return value;
    }

    function randomKey() {
        const bytes = crypto.getRandomValues(new Uint8Array(16));
        return 'console-' + Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
    }

    function versionOptions(select, versions, selected) {
        select.replaceChildren(...versions.map(v => el('option', {value: v}, 'version ' + v)));
        if (selected !== undefined) {
            select.value = String(selected);
        }
    }

    // --- signing in ------------------------------------------------------------------------------------------

    function showSignIn(message) {
        show('app', false);
        show('session', false);
        show('sign-in', true);
        say(message || 'Sign in to see definitions and executions.');
        $('key-id').focus();
    }

    function enter(label) {
        show('sign-in', false);
        show('app', true);
        show('session', true);
        $('session-label').textContent = label;
        $('sign-out').hidden = !Api.signedIn();
        say('');
        return loadDefinitions();
    }

    // --- definitions -----------------------------------------------------------------------------------------

    async function loadDefinitions() {
        const all = await Api.definitions();
        state.definitions = new Map();
        all.forEach(d => {
            if (!state.definitions.has(d.name)) {
                state.definitions.set(d.name, new Map());
            }
            state.definitions.get(d.name).set(d.version, d);
        });
        renderDefinitionList();
        say(state.definitions.size + ' definitions.');
    }

    function versionsOf(name) {
        return Array.from((state.definitions.get(name) || new Map()).keys()).sort((a, b) => a - b);
    }

    function renderDefinitionList() {
        const filter = $('definition-filter').value.trim().toLowerCase();
        const names = Array.from(state.definitions.keys()).filter(n => n.toLowerCase().includes(filter)).sort();
        $('definition-list').replaceChildren(...names.map(name => el('li', {},
            el('button', {type: 'button', class: 'link', 'data-name': name}, name),
            el('span', {class: 'muted'}, ' versions ' + versionsOf(name).join(', ')))));
    }

    async function selectDefinition(name) {
        state.name = name;
        const versions = versionsOf(name);
        show('definition', true);
        show('executions', false);
        $('definition-title').textContent = name;
        $('version-table').tBodies[0].replaceChildren(...versions.map(v => el('tr', {'data-version': v},
            el('th', {scope: 'row'}, 'version ' + v),
            el('td', {}, String(Tree.flatten(state.definitions.get(name).get(v)).size)),
            el('td', {class: 'count'}, '…'),
            el('td', {}, el('button', {type: 'button', 'data-executions': v,
                'aria-label': 'Show running executions of version ' + v}, 'Show executions')))));
        versionOptions($('compare-from'), versions, versions[Math.max(0, versions.length - 2)]);
        versionOptions($('compare-to'), versions, versions[versions.length - 1]);
        $('diff').replaceChildren();
        if (versions.length > 1) {
            compare();
        }
        await refreshCounts();
    }

    async function refreshCounts() {
        const name = state.name;
        await Promise.all(versionsOf(name).map(async v => {
            const count = await Api.countRunning(name, v);
            const cell = document.querySelector('#version-table tr[data-version="' + v + '"] .count');
            if (cell && state.name === name) {
                cell.textContent = String(count);
            }
        }));
    }

    function compare() {
        const from = Number($('compare-from').value);
        const to = Number($('compare-to').value);
        if (from === to) {
            $('diff').replaceChildren(el('p', {}, 'Pick two different versions to compare.'));
            return;
        }
        const versions = state.definitions.get(state.name);
        const [older, newer] = from < to ? [from, to] : [to, from];
        const {oldMarks, newMarks} = Tree.diff(versions.get(older), versions.get(newer));
        const changes = Object.keys(oldMarks).length + Object.keys(newMarks).length;
        $('diff').replaceChildren(
            el('div', {class: 'column', id: 'diff-old'}, Tree.render(versions.get(older), oldMarks, 'Version ' + older)),
            el('div', {class: 'column', id: 'diff-new'}, Tree.render(versions.get(newer), newMarks, 'Version ' + newer)));
        say(changes === 0 ? 'Versions ' + older + ' and ' + newer + ' have the same task tree.'
            : 'Compared version ' + older + ' with version ' + newer + '.');
    }

    // --- running executions ------------------------------------------------------------------------------------

    async function showExecutions(version, start) {
        if (state.version !== version) {
            state.selected.clear();
        }
        state.version = version;
        state.start = start;
        const page = await Api.running(state.name, version, start, PAGE_SIZE);
        show('executions', true);
        $('executions-title').textContent = 'Running executions of ' + state.name + ' version ' + version;
        const last = start + page.results.length;
        $('execution-caption').textContent = page.totalHits + ' running or paused'
            + (page.results.length ? ', showing ' + (start + 1) + '–' + last : '');
        $('execution-table').tBodies[0].replaceChildren(...page.results.map(summary => {
            const id = summary.workflowId;
            return el('tr', {'data-workflow-id': id},
                el('td', {}, el('input', {type: 'checkbox', class: 'pick', value: id, 'aria-label': 'Select ' + id})),
                el('td', {}, el('code', {}, id)),
                el('td', {}, summary.status),
                el('td', {}, summary.startTime || ''),
                el('td', {}, summary.updateTime || ''),
                el('td', {class: 'row-actions'},
                    el('button', {type: 'button', 'data-plan': id, 'aria-label': 'Plan upgrade of ' + id}, 'Plan upgrade'),
                    el('button', {type: 'button', 'data-history': id, 'aria-label': 'Upgrade history of ' + id},
                        'History')));
        }));
        document.querySelectorAll('#execution-table .pick').forEach(box => box.checked = state.selected.has(box.value));
        $('select-page').checked = false;
        $('page-previous').disabled = start === 0;
        $('page-next').disabled = last >= page.totalHits;
        $('bulk-from-version').textContent = String(version);
        const targets = versionsOf(state.name).filter(v => v !== version);
        versionOptions($('bulk-target'), targets, targets[targets.length - 1]);
        $('bulk-dry-run').replaceChildren();
        updateSelection();
    }

    function updateSelection() {
        $('selected-count').textContent = String(state.selected.size);
    }

    function bulkBody(dryRun) {
        const body = {
            name: state.name, toVersion: Number($('bulk-target').value),
            taskOutput: jsonObject($('bulk-task-output').value, 'Outputs of skipped tasks'),
            workflowInput: jsonObject($('bulk-workflow-input').value, 'Workflow input'),
            statuses: ['RUNNING', 'PAUSED']
        };
        if ($('bulk-scope-version').checked) {
            body.fromVersions = [state.version];
        } else if (state.selected.size === 0) {
            throw new Error('Select executions first, or choose every execution of the version.');
        } else {
            body.workflowIds = Array.from(state.selected);
        }
        if (dryRun) {
            body.dryRun = true;
        }
        return body;
    }

    async function previewBulk() {
        const plan = await Api.bulk(bulkBody(true));
        $('bulk-dry-run').replaceChildren(
            el('p', {id: 'bulk-dry-run-summary'}, 'Of ' + plan.selected + ' selected: ' + plan.wouldUpgrade
                + ' would be upgraded, ' + plan.wouldNoop + ' are already there, ' + plan.wouldReject
                + ' would be rejected' + (plan.truncated ? ' (only the first ' + plan.evaluated + ' evaluated)' : '')
                + '.'),
            ...(plan.rejections.length ? [el('ul', {}, plan.rejections.map(r =>
                el('li', {}, el('code', {}, r.workflowId), ': ' + r.reason)))] : []));
    }

    async function startBulk() {
        const accepted = await Api.bulk(bulkBody(false));
        show('upgrade', false);
        say('Bulk upgrade ' + accepted.batchId + ' started.');
        watch(accepted.batchId);
    }

    // --- bulk progress -------------------------------------------------------------------------------------------

    function watch(batchId) {
        clearTimeout(state.pollTimer);
        show('bulk-progress', true);
        $('batch-id').textContent = batchId;
        $('batch-state').textContent = 'waiting for the first progress…';
        $('bulk-progress').scrollIntoView({block: 'nearest'});
        const poll = async () => {
            let progress;
            try {
                progress = await Api.bulkProgress(batchId);
            } catch (e) {
                fail(e);
                return;
            }
            renderProgress(progress);
            const finished = progress.state === 'EXPANDED' && progress.pending === 0;
            if (finished) {
                say('Bulk upgrade ' + batchId + ' finished: ' + progress.applied + ' applied, ' + progress.noop
                    + ' unchanged, ' + progress.rejected + ' rejected.');
                if (state.name) {
                    refreshCounts().catch(fail);
                }
            } else {
                state.pollTimer = setTimeout(poll, POLL_MS);
            }
        };
        poll();
    }

    function renderProgress(p) {
        const percent = Math.floor(p.progress * 100);
        $('batch-progress').value = p.progress;
        $('batch-percent').textContent = percent + ' %';
        $('batch-state').textContent = p.state === 'EXPANDED' && p.pending === 0 ? 'finished'
            : p.state === 'EXPANDING' ? 'selecting and sending commands' : 'applying';
        facts($('batch-counts'), [['Selected', String(p.selected)], ['Applied', String(p.applied)],
            ['Unchanged (noop)', String(p.noop)], ['Rejected', String(p.rejected)], ['Pending', String(p.pending)]]);
        $('batch-counts').querySelectorAll('dd').forEach((dd, i) =>
            dd.id = ['count-selected', 'count-applied', 'count-noop', 'count-rejected', 'count-pending'][i]);
        show('rejection-table', p.rejections.length > 0);
        $('rejection-table').tBodies[0].replaceChildren(...p.rejections.map(r =>
            el('tr', {}, el('td', {}, el('code', {}, r.workflowId)), el('td', {}, r.reason))));
    }

    // --- one execution's upgrade ----------------------------------------------------------------------------------

    async function planUpgrade(workflowId) {
        const execution = await showCurrent(workflowId);
        state.plan = null;
        show('upgrade', true);
        show('plan', false);
        $('upgrade-result').replaceChildren();
        $('upgrade-title').textContent = 'Upgrade execution ' + workflowId;
        const targets = versionsOf(execution.workflowName).filter(v => v !== execution.workflowVersion);
        versionOptions($('upgrade-target'), targets, targets[targets.length - 1]);
        $('upgrade').scrollIntoView({block: 'start'});
        $('upgrade-target').focus();
    }

    /** Reads the execution as it is now and shows where it stands. */
    async function showCurrent(workflowId) {
        const execution = await Api.execution(workflowId);
        state.execution = execution;
        const running = (execution.tasks || []).filter(t => t.status === 'SCHEDULED' || t.status === 'IN_PROGRESS')
            .map(t => t.referenceTaskName);
        facts($('upgrade-current'), [['Workflow id', el('code', {}, workflowId)],
            ['Definition', execution.workflowName], ['Version', String(execution.workflowVersion)],
            ['Status', execution.status], ['Running tasks', running.join(', ') || 'none']]);
        return execution;
    }

    async function preview() {
        const execution = state.execution;
        const version = Number($('upgrade-target').value);
        const body = {
            name: execution.workflowName, version,
            workflowInput: jsonObject($('upgrade-workflow-input').value, 'Workflow input')
        };
        const plan = await Api.dryRun(execution.workflowId, body);
        const target = state.definitions.get(execution.workflowName).get(version)
            || await Api.definition(execution.workflowName, version);
        state.plan = {plan, version};
        const base = ref => ref.replace(/__\d+$/, '');
        const marks = {};
        (execution.tasks || []).filter(t => DONE.has(t.status))
            .forEach(t => marks[base(t.referenceTaskName)] = {mark: 'done', label: 'done'});
        plan.runningTasks.forEach(ref => marks[base(ref)] = {mark: 'running', label: 'kept running'});
        plan.started.forEach(ref => marks[base(ref)] = {mark: 'started', label: 'started'});
        plan.skipped.forEach(s => marks[s.taskReferenceName] = {mark: 'skipped', label: 'SKIPPED'});
        $('plan-tree').replaceChildren(Tree.render(target, marks, execution.workflowName + ' version ' + version));
        $('plan-summary').textContent = plan.outcome === 'NOOP'
            ? 'The execution already runs version ' + version + ': the upgrade would change nothing.'
            : 'Version ' + plan.fromVersion + ' → ' + plan.toVersion + ': ' + plan.skipped.length + ' skipped, '
            + plan.runningTasks.length + ' kept running, ' + plan.started.length + ' started.';
        const outputs = plan.skipped.map(s => {
            const id = 'output-' + s.taskReferenceName;
            return el('div', {class: 'output-field'},
                el('label', {for: id}, 'Output of ' + s.taskReferenceName + ' (' + s.type + ', at ' + s.path + ')'),
                el('textarea', {id, rows: 2, spellcheck: 'false', 'data-ref': s.taskReferenceName}, '{}'));
        });
        $('skipped-outputs').replaceChildren(el('legend', {}, 'Outputs of the skipped tasks (JSON)'),
            ...(outputs.length ? outputs : [el('p', {}, 'No task is skipped.')]));
        $('confirm-button').textContent = 'Confirm upgrade to version ' + version;
        show('plan', true);
        say('Dry run done: nothing was changed.');
    }

    async function confirmUpgrade() {
        const execution = state.execution;
        const taskOutput = {};
        $('skipped-outputs').querySelectorAll('textarea').forEach(area =>
            taskOutput[area.dataset.ref] = jsonObject(area.value, 'Output of ' + area.dataset.ref));
        const body = {
            name: execution.workflowName, version: state.plan.version, taskOutput,
            workflowInput: jsonObject($('upgrade-workflow-input').value, 'Workflow input')
        };
        const text = JSON.stringify(body);
        // The same request sent again (after a timeout, say) keeps its key: the service answers the same command.
        if (!state.pending || state.pending.workflowId !== execution.workflowId || state.pending.text !== text) {
            state.pending = {workflowId: execution.workflowId, text, key: randomKey()};
        }
        say('Upgrading…');
        let outcome = await Api.upgrade(execution.workflowId, body, state.pending.key);
        for (let i = 0; outcome.status === 'ACCEPTED' && i < 60; i++) {
            await new Promise(resolve => setTimeout(resolve, POLL_MS));
            outcome = await Api.upgradeStatus(outcome.commandId);
        }
        const result = el('dl', {class: 'facts', id: 'upgrade-outcome'});
        facts(result, [['Status', outcome.status], ['Command', el('code', {}, outcome.commandId)],
            ['Versions', outcome.fromVersion + ' → ' + outcome.toVersion],
            ['Skipped tasks', (outcome.skippedTasks || []).join(', ') || 'none']]
            .concat(outcome.reason ? [['Reason', outcome.reason]] : []));
        $('upgrade-result').replaceChildren(el('h3', {}, 'Result'), result);
        say('Upgrade ' + outcome.status.toLowerCase() + ': ' + execution.workflowId + '.');
        await showCurrent(execution.workflowId);
        await showHistory(execution.workflowId);
        if (state.name && state.version !== null) {
            refreshCounts().catch(fail);
        }
    }

    // --- history -----------------------------------------------------------------------------------------------

    async function showHistory(workflowId) {
        const entries = await Api.history(workflowId);
        $('history-workflow-id').value = workflowId;
        $('history-title').textContent = 'Upgrade history of ' + workflowId;
        $('history-table').tBodies[0].replaceChildren(...(entries.length ? entries.map(e => el('tr', {},
            el('td', {}, e.appliedAt || ''), el('td', {}, String(e.fromVersion)), el('td', {}, String(e.toVersion)),
            el('td', {}, (e.skippedTasks || []).join(', ') || 'none'), el('td', {}, e.requestedBy || ''),
            el('td', {}, el('code', {}, e.commandId))))
            : [el('tr', {}, el('td', {colspan: 6}, 'No upgrade applied yet.'))]));
        show('history', true);
    }

    // --- wiring --------------------------------------------------------------------------------------------------

    function wire() {
        $('sign-in-form').addEventListener('submit', event => {
            event.preventDefault();
            act($('sign-in-button'), async () => {
                await Api.signIn($('key-id').value.trim(), $('key-secret').value);
                $('key-secret').value = '';
                await enter(Api.label());
            });
        });
        $('token-form').addEventListener('submit', event => {
            event.preventDefault();
            act($('token-button'), async () => {
                await Api.useToken($('api-token').value.trim());
                $('api-token').value = '';
                await enter(Api.label());
            });
        });
        $('sign-out').addEventListener('click', () => {
            clearTimeout(state.pollTimer);
            Api.signOut();
            location.reload();
        });
        $('definition-filter').addEventListener('input', renderDefinitionList);
        $('reload-definitions').addEventListener('click', event => act(event.target, loadDefinitions));
        $('definition-list').addEventListener('click', event => {
            const name = event.target.dataset && event.target.dataset.name;
            if (name) {
                act(event.target, () => selectDefinition(name));
            }
        });
        $('compare-form').addEventListener('submit', event => {
            event.preventDefault();
            act($('compare-button'), async () => compare());
        });
        $('version-table').addEventListener('click', event => {
            const version = event.target.dataset && event.target.dataset.executions;
            if (version) {
                act(event.target, () => showExecutions(Number(version), 0));
            }
        });
        $('page-previous').addEventListener('click', event =>
            act(event.target, () => showExecutions(state.version, Math.max(0, state.start - PAGE_SIZE))));
        $('page-next').addEventListener('click', event =>
            act(event.target, () => showExecutions(state.version, state.start + PAGE_SIZE)));
        $('select-page').addEventListener('change', event => {
            document.querySelectorAll('#execution-table .pick').forEach(box => {
                box.checked = event.target.checked;
                box.checked ? state.selected.add(box.value) : state.selected.delete(box.value);
            });
            updateSelection();
        });
        $('execution-table').addEventListener('change', event => {
            if (event.target.classList.contains('pick')) {
                event.target.checked ? state.selected.add(event.target.value) : state.selected.delete(event.target.value);
                updateSelection();
            }
        });
        $('execution-table').addEventListener('click', event => {
            const data = event.target.dataset || {};
            if (data.plan) {
                act(event.target, () => planUpgrade(data.plan));
            } else if (data.history) {
                act(event.target, () => showHistory(data.history));
            }
        });
        $('bulk-preview').addEventListener('click', event => act(event.target, previewBulk));
        $('bulk-form').addEventListener('submit', event => {
            event.preventDefault();
            act($('bulk-start'), startBulk);
        });
        $('plan-form').addEventListener('submit', event => {
            event.preventDefault();
            act($('preview-button'), preview);
        });
        $('confirm-form').addEventListener('submit', event => {
            event.preventDefault();
            act($('confirm-button'), confirmUpgrade);
        });
        $('upgrade-target').addEventListener('change', () => show('plan', false));
        $('history-form').addEventListener('submit', event => {
            event.preventDefault();
            act($('history-button'), () => showHistory($('history-workflow-id').value.trim()));
        });
        $('watch-form').addEventListener('submit', event => {
            event.preventDefault();
            act($('watch-button'), async () => watch($('watch-batch-id').value.trim()));
        });
    }

    async function start() {
        wire();
        Api.onUnauthorized = () => {
            clearTimeout(state.pollTimer);
            Api.signOut();
            showSignIn('Your token was refused or has expired: sign in again.');
        };
        try {
            if (Api.signedIn()) {
                await enter(Api.label());
            } else if (await Api.isOpen()) {
                await enter('Open development mode: the service has no credentials configured');
            } else {
                showSignIn();
            }
        } catch (e) {
            fail(e);
        }
    }

    start();
})();
