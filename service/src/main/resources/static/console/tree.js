'use strict';

/**
 * Task trees of workflow definitions: flattening with the service's position paths
 * (tasks[2].forkTasks[1][0], tasks[1].decisionCases.approved[0], tasks[3].loopOver[0]), the comparison of two
 * versions by taskReferenceName and position, and drawing a tree with a mark on some of its tasks.
 */
const Tree = (() => {

    /** The nested sequences of a task, named as in the definition's JSON, with a label for people. */
    function branches(task) {
        const out = [];
        Object.entries(task.decisionCases || {}).forEach(([name, tasks]) =>
            out.push({key: 'decisionCases.' + name, label: 'case "' + name + '"', tasks}));
        if (task.defaultCase) {
            out.push({key: 'defaultCase', label: 'default case', tasks: task.defaultCase});
        }
        (task.forkTasks || []).forEach((tasks, i) =>
            out.push({key: 'forkTasks[' + i + ']', label: 'branch ' + (i + 1), tasks}));
        if (task.loopOver) {
            out.push({key: 'loopOver', label: 'loop body', tasks: task.loopOver});
        }
        return out.filter(branch => Array.isArray(branch.tasks) && branch.tasks.length > 0);
    }

    /**
     * Every task by taskReferenceName: its path, its container (the owning task's reference and branch, or the
     * top-level list) and its index there.
     */
    function flatten(definition) {
        const byRef = new Map();
        const walk = (tasks, prefix, branchKey, container) => tasks.forEach((task, index) => {
            const path = (prefix ? prefix + '.' : '') + branchKey + '[' + index + ']';
            byRef.set(task.taskReferenceName, {task, path, container, index});
            branches(task).forEach(branch =>
                walk(branch.tasks, path, branch.key, task.taskReferenceName + '.' + branch.key));
        });
        walk(definition.tasks || [], '', 'tasks', 'tasks');
        return byRef;
    }

    /** References of a longest common subsequence of two lists of references. */
    function commonOrder(a, b) {
        const lengths = a.map(() => new Array(b.length + 1).fill(0));
        lengths.push(new Array(b.length + 1).fill(0));
        for (let i = a.length - 1; i >= 0; i--) {
            for (let j = b.length - 1; j >= 0; j--) {
                lengths[i][j] = a[i] === b[j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
            }
        }
        const kept = new Set();
        for (let i = 0, j = 0; i < a.length && j < b.length;) {
            if (a[i] === b[j]) {
                kept.add(a[i]);
                i++;
                j++;
            } else if (lengths[i + 1][j] >= lengths[i][j + 1]) {
                i++;
            } else {
                j++;
            }
        }
        return kept;
    }

    /**
     * How two versions differ: a task only in the newer one is added, only in the older one removed; a task in
     * both is moved if its container differs, or if it changed order among the tasks its container holds in both.
     * Returns the marks of each side, by taskReferenceName: {mark, note}.
     */
    function diff(older, newer) {
        const a = flatten(older);
        const b = flatten(newer);
        const oldMarks = {};
        const newMarks = {};
        const sameContainer = new Map();
        for (const [ref, at] of b) {
            const before = a.get(ref);
            if (!before) {
                newMarks[ref] = {mark: 'added', note: 'added at ' + at.path};
            } else if (before.container !== at.container) {
                newMarks[ref] = {mark: 'moved', note: 'moved from ' + before.path};
                oldMarks[ref] = {mark: 'moved', note: 'moved to ' + at.path};
            } else {
                if (!sameContainer.has(at.container)) {
                    sameContainer.set(at.container, []);
                }
                sameContainer.get(at.container).push(ref);
            }
        }
        for (const [ref, at] of a) {
            if (!b.has(ref)) {
                oldMarks[ref] = {mark: 'removed', note: 'removed from ' + at.path};
            }
        }
        for (const refs of sameContainer.values()) {
            const inNewOrder = refs.slice().sort((x, y) => b.get(x).index - b.get(y).index);
            const inOldOrder = refs.slice().sort((x, y) => a.get(x).index - a.get(y).index);
            const kept = commonOrder(inOldOrder, inNewOrder);
            refs.filter(ref => !kept.has(ref)).forEach(ref => {
                newMarks[ref] = {mark: 'moved', note: 'moved from ' + a.get(ref).path};
                oldMarks[ref] = {mark: 'moved', note: 'moved to ' + b.get(ref).path};
            });
        }
        return {oldMarks, newMarks};
    }

    function el(tag, attributes, ...children) {
        const node = document.createElement(tag);
        Object.entries(attributes || {}).forEach(([name, value]) => {
            if (value !== undefined && value !== null) {
                node.setAttribute(name, value);
            }
        });
        children.flat().forEach(child => {
            if (child !== undefined && child !== null) {
                node.append(child instanceof Node ? child : document.createTextNode(String(child)));
            }
        });
        return node;
    }

    /**
     * A definition's tasks as nested lists. marks: {ref: {mark, label?, note?}}; a marked task carries the
     * mark as a class, as data-mark and as a visible badge (never colour alone).
     */
    function render(definition, marks, caption) {
        const list = (tasks, prefix, branchKey) => el('ul', {class: 'tree'}, tasks.map((task, index) => {
            const path = (prefix ? prefix + '.' : '') + branchKey + '[' + index + ']';
            const marked = marks[task.taskReferenceName];
            const row = el('div', {class: 'task' + (marked ? ' ' + marked.mark : ''), title: path},
                el('span', {class: 'ref'}, task.taskReferenceName),
                el('span', {class: 'type'}, task.type || 'SIMPLE'),
                marked ? el('span', {class: 'badge ' + marked.mark}, marked.label || marked.mark) : null,
                marked && marked.note ? el('span', {class: 'note'}, marked.note) : null);
            const nested = branches(task).map(branch => el('li', {class: 'branch'},
                el('span', {class: 'branch-label'}, branch.label), list(branch.tasks, path, branch.key)));
            return el('li', {'data-ref': task.taskReferenceName, 'data-mark': marked ? marked.mark : null,
                'data-path': path}, row, nested.length ? el('ul', {class: 'branches'}, nested) : null);
        }));
        return el('figure', {class: 'tree-figure'}, el('figcaption', {}, caption), list(definition.tasks || [], '', 'tasks'));
    }

    return {flatten, diff, render, el};
})();
