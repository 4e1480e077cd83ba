'use strict';

/**
 * The console's only way to the service: its public HTTP API, with the token of the signed-in operator
 * (kept in sessionStorage, so in this tab only) sent as X-Authorization. Paths are relative to /console/.
 */
const Api = (() => {
    const TOKEN_KEY = 'workflow-upgrader.console.token';
    const LABEL_KEY = 'workflow-upgrader.console.label';
    let onUnauthorized = () => {};

    class ApiError extends Error {
        constructor(status, body) {
            const details = body && Array.isArray(body.validationErrors) ? body.validationErrors
                .filter(e => e.path && e.message && e.message !== body.message)
                .map(e => e.path + ': ' + e.message) : [];
            const message = body && body.message ? body.message : 'HTTP ' + status;
            super(details.length ? message + ' (' + details.join('; ') + ')' : message);
            this.status = status;
            this.body = body;
        }
    }

    async function request(method, path, body, headers) {
        const sent = Object.assign({'Accept': 'application/json'}, headers || {});
        const token = sessionStorage.getItem(TOKEN_KEY);
        if (token) {
            sent['X-Authorization'] = token;
        }
        if (body !== undefined) {
            sent['Content-Type'] = 'application/json';
        }
        const response = await fetch('../api/' + path, {
            method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body),
            cache: 'no-store', credentials: 'omit'
        });
        const text = await response.text();
        let data = text;
        try {
            data = text ? JSON.parse(text) : null;
        } catch (notJson) {
            // plain text answers (a started workflow's id) stay text
        }
        if (!response.ok) {
            const error = new ApiError(response.status, data);
            if (response.status === 401 && path !== 'token') {
                onUnauthorized(error);
            }
            throw error;
        }
        return {status: response.status, data, headers: response.headers};
    }

    async function signIn(keyId, keySecret) {
        const answer = await request('POST', 'token', {keyId, keySecret});
        sessionStorage.setItem(TOKEN_KEY, answer.data.token);
        sessionStorage.setItem(LABEL_KEY, 'Signed in as ' + keyId);
    }

    /** A static API token: kept only once the service accepted it. */
    async function useToken(token) {
        sessionStorage.setItem(TOKEN_KEY, token);
        try {
            await request('GET', 'metadata/workflow/latest-versions');
        } catch (e) {
            signOut();
            throw e;
        }
        sessionStorage.setItem(LABEL_KEY, 'Signed in with an API token');
    }

    function signOut() {
        sessionStorage.removeItem(TOKEN_KEY);
        sessionStorage.removeItem(LABEL_KEY);
    }

    /** Whether the service answers without a credential (its open development mode). */
    async function isOpen() {
        const response = await fetch('../api/metadata/workflow/latest-versions',
            {headers: {'Accept': 'application/json'}, cache: 'no-store', credentials: 'omit'});
        return response.ok;
    }

    const enc = encodeURIComponent;
    const quoted = value => '"' + String(value).replace(/"/g, '') + '"';

    function search(query, start, size) {
        return request('GET', 'workflow/search?start=' + start + '&size=' + size + '&sort=workflowId:ASC&freeText=*'
            + '&query=' + enc(query)).then(r => r.data);
    }

    function runningQuery(name, version) {
        return 'workflowType = ' + quoted(name) + ' AND version = ' + version + ' AND status IN (RUNNING, PAUSED)';
    }

    return {
        ApiError,
        signIn,
        useToken,
        signOut,
        isOpen,
        signedIn: () => sessionStorage.getItem(TOKEN_KEY) !== null,
        label: () => sessionStorage.getItem(LABEL_KEY) || '',
        set onUnauthorized(handler) {
            onUnauthorized = handler;
        },
        definitions: () => request('GET', 'metadata/workflow').then(r => r.data),
        definition: (name, version) => request('GET', 'metadata/workflow/' + enc(name) + '?version=' + version)
            .then(r => r.data),
        execution: id => request('GET', 'workflow/' + enc(id) + '?includeTasks=true').then(r => r.data),
        countRunning: (name, version) => search(runningQuery(name, version), 0, 0).then(r => r.totalHits),
        running: (name, version, start, size) => search(runningQuery(name, version), start, size),
        dryRun: (id, body) => request('POST', 'workflow/' + enc(id) + '/upgrade?dryRun=true', body).then(r => r.data),
        upgrade: (id, body, idempotencyKey) => request('POST', 'workflow/' + enc(id) + '/upgrade?waitForSeconds=10',
            body, {'Idempotency-Key': idempotencyKey}).then(r => r.data),
        upgradeStatus: commandId => request('GET', 'workflow/upgrades/' + enc(commandId)).then(r => r.data),
        history: id => request('GET', 'workflow/' + enc(id) + '/upgrades').then(r => r.data),
        bulk: body => request('POST', 'workflow/upgrade/bulk', body).then(r => r.data),
        bulkProgress: batchId => request('GET', 'workflow/upgrade/bulk/' + enc(batchId)).then(r => r.data)
    };
})();
