// Chat page helpers. Loaded as a module (script-src 'self'); no inline handlers anywhere.
const composers = new WeakMap();

// Enter sends, Shift+Enter (or an IME composition) keeps the newline.
export function attachComposer(textarea, dotNet) {
    if (!textarea || composers.has(textarea)) {
        return;
    }
    const handler = event => {
        if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            dotNet.invokeMethodAsync('SubmitFromKeyboard', textarea.value).catch(() => { });
        }
    };
    textarea.addEventListener('keydown', handler);
    composers.set(textarea, handler);
    textarea.dataset.composer = 'ready';
}

export function detachComposer(textarea) {
    const handler = textarea && composers.get(textarea);
    if (handler) {
        textarea.removeEventListener('keydown', handler);
        composers.delete(textarea);
    }
}

export async function copyText(text) {
    try {
        await navigator.clipboard.writeText(text);
        return true;
    } catch {
        return false;
    }
}

let codeCopyInstalled = false;

// One delegated listener serves every code block's copy button rendered from Markdown.
export function installCodeCopy() {
    if (codeCopyInstalled) {
        return;
    }
    codeCopyInstalled = true;
    document.addEventListener('click', async event => {
        const button = event.target instanceof Element ? event.target.closest('[data-copy-code]') : null;
        const code = button && button.parentElement ? button.parentElement.querySelector('pre') : null;
        if (!code) {
            return;
        }
        if (await copyText(code.innerText)) {
            button.classList.add('pl-copied');
            setTimeout(() => button.classList.remove('pl-copied'), 1500);
        }
    });
}

let citationsInstalled = false;

// A source marker "[n]" in an answer opens the same source as the answer's numbered list (one delegated listener).
export function installCitations() {
    if (citationsInstalled) {
        return;
    }
    citationsInstalled = true;
    document.addEventListener('click', event => {
        const marker = event.target instanceof Element ? event.target.closest('[data-cite]') : null;
        const message = marker ? marker.closest('.pl-msg') : null;
        const source = message ? message.querySelector(`.pl-msg-sources [data-source="${Number(marker.dataset.cite)}"]`) : null;
        if (source) {
            source.click();
        }
    });
}

export function scrollToEnd(element) {
    if (element) {
        element.scrollTop = element.scrollHeight;
    }
}
