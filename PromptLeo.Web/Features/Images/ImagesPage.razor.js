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

// Hands a dropped, pasted or painted file to a Blazor InputFile, so it takes the same upload path as a picked file.
function feedInput(input, file) {
    const transfer = new DataTransfer();
    transfer.items.add(file);
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

function imageFile(list) {
    return Array.from(list || []).find(f => f.type.startsWith("image/")) || null;
}

function zoneInput(zone) {
    return zone ? document.getElementById(zone.dataset.dropInput) : null;
}

let dropsEnabled = false;

// Drop zones are elements with data-drop-input="<id of an InputFile>"; the listeners sit on the document, so zones
// rendered later by Blazor work too. Paste goes to the zone holding the focus, else to the first visible zone.
export function enableDrops() {
    if (dropsEnabled) {
        return;
    }
    dropsEnabled = true;
    document.addEventListener("dragover", e => {
        const zone = e.target.closest?.("[data-drop-input]");
        if (zone) {
            e.preventDefault();
            zone.classList.add("studio-drop-active");
        }
    });
    document.addEventListener("dragleave", e => e.target.closest?.("[data-drop-input]")?.classList.remove("studio-drop-active"));
    document.addEventListener("drop", e => {
        const zone = e.target.closest?.("[data-drop-input]");
        if (!zone) {
            return;
        }
        e.preventDefault();
        zone.classList.remove("studio-drop-active");
        const file = imageFile(e.dataTransfer?.files);
        const input = zoneInput(zone);
        if (file && input && !input.disabled) {
            feedInput(input, file);
        }
    });
    document.addEventListener("paste", e => {
        const file = imageFile(e.clipboardData?.files);
        if (!file) {
            return;
        }
        const focused = document.activeElement?.closest?.("[data-drop-input]");
        const zone = focused || Array.from(document.querySelectorAll("[data-drop-input]")).find(z => z.offsetParent !== null);
        const input = zoneInput(zone);
        if (input && !input.disabled) {
            e.preventDefault();
            feedInput(input, file);
        }
    });
}

// The mask painter: strokes in the source image's own pixels, shown over it; each change is exported as a
// black PNG with white strokes (white = repaint) of exactly the source image's size and fed to the mask input.
const painters = new WeakMap();

export function attachPainter(canvasId, imageId, inputId, page) {
    const canvas = document.getElementById(canvasId);
    const image = document.getElementById(imageId);
    if (!canvas || !image || painters.has(canvas)) {
        return;
    }
    const state = { canvas, image, inputId, page, strokes: [], mode: "paint", size: 24, current: null };
    painters.set(canvas, state);
    const size = () => {
        canvas.width = image.naturalWidth;
        canvas.height = image.naturalHeight;
        redraw(state);
    };
    if (image.complete && image.naturalWidth > 0) {
        size();
    } else {
        image.addEventListener("load", size, { once: true });
    }
    const point = e => {
        const rect = canvas.getBoundingClientRect();
        return { x: (e.clientX - rect.left) * canvas.width / rect.width, y: (e.clientY - rect.top) * canvas.height / rect.height };
    };
    canvas.addEventListener("pointerdown", e => {
        if (e.button !== 0 && e.pointerType === "mouse") {
            return;
        }
        e.preventDefault();
        canvas.setPointerCapture(e.pointerId);
        const scale = canvas.width / canvas.getBoundingClientRect().width;
        state.current = { mode: state.mode, width: Math.max(1, state.size * scale), points: [point(e)] };
        state.strokes.push(state.current);
        redraw(state);
    });
    canvas.addEventListener("pointermove", e => {
        if (state.current) {
            state.current.points.push(point(e));
            redraw(state);
        }
    });
    const end = () => {
        if (state.current) {
            state.current = null;
            exportMask(state);
        }
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
}

function stateOf(canvasId) {
    const canvas = document.getElementById(canvasId);
    return canvas ? painters.get(canvas) : undefined;
}

export function painterMode(canvasId, mode) {
    const state = stateOf(canvasId);
    if (state) {
        state.mode = mode;
    }
}

export function painterSize(canvasId, size) {
    const state = stateOf(canvasId);
    if (state) {
        state.size = size;
    }
}

export function painterUndo(canvasId) {
    const state = stateOf(canvasId);
    if (state && state.strokes.length > 0) {
        state.strokes.pop();
        redraw(state);
        exportMask(state);
    }
}

// notify = false when an uploaded mask replaced the painted one (the page already holds the new mask).
export function painterClear(canvasId, notify) {
    const state = stateOf(canvasId);
    if (state) {
        state.strokes = [];
        state.version = (state.version ?? 0) + 1;
        redraw(state);
        if (notify) {
            exportMask(state);
        }
    }
}

export function painterStrokes(canvasId) {
    return stateOf(canvasId)?.strokes.length ?? 0;
}

function drawStrokes(context, strokes, paint, erase) {
    context.lineCap = "round";
    context.lineJoin = "round";
    for (const stroke of strokes) {
        const color = stroke.mode === "erase" ? erase : paint;
        context.globalCompositeOperation = color === null ? "destination-out" : "source-over";
        context.strokeStyle = context.fillStyle = color ?? "#000";
        context.lineWidth = stroke.width;
        const [first, ...rest] = stroke.points;
        if (rest.length === 0) {
            context.beginPath();
            context.arc(first.x, first.y, stroke.width / 2, 0, 2 * Math.PI);
            context.fill();
            continue;
        }
        context.beginPath();
        context.moveTo(first.x, first.y);
        rest.forEach(p => context.lineTo(p.x, p.y));
        context.stroke();
    }
    context.globalCompositeOperation = "source-over";
}

// On screen: opaque strokes, the canvas itself is half transparent (CSS); the eraser cuts them away.
function redraw(state) {
    const context = state.canvas.getContext("2d");
    context.clearRect(0, 0, state.canvas.width, state.canvas.height);
    drawStrokes(context, state.strokes, "#ff2a6d", null);
}

function exportMask(state) {
    // toBlob is asynchronous: an export overtaken by a later change (a clear, an undo) must not land after it.
    const version = state.version = (state.version ?? 0) + 1;
    if (state.strokes.length === 0) {
        state.page.invokeMethodAsync("PaintedMaskCleared");
        return;
    }
    const mask = document.createElement("canvas");
    mask.width = state.canvas.width;
    mask.height = state.canvas.height;
    const context = mask.getContext("2d");
    context.fillStyle = "#000";
    context.fillRect(0, 0, mask.width, mask.height);
    drawStrokes(context, state.strokes, "#fff", "#000");
    mask.toBlob(blob => {
        const input = document.getElementById(state.inputId);
        if (blob && input && version === state.version) {
            feedInput(input, new File([blob], "painted-mask.png", { type: "image/png" }));
        }
    }, "image/png");
}
