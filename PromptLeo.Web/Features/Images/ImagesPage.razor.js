// Enter in the prompt generates (the page's keydown handler); Shift+Enter keeps the newline.
export function submitOnEnter(selector) {
    const box = document.querySelector(selector);
    if (!box || box.dataset.submitOnEnter) {
        return;
    }
    box.dataset.submitOnEnter = "1";
    box.addEventListener("keydown", e => {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
        }
    }, true);
}
