// API keys page: copies a new key or a snippet; false when the browser refuses (no permission, not a secure context).
export const copyText = text => navigator.clipboard.writeText(text).then(() => true, () => false);
