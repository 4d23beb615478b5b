using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace PromptLeo.Web.Features.Chat;

/// <summary>The chat page's JavaScript module: composer keys, scrolling, copying, code-block copy buttons, source markers.</summary>
internal sealed class ChatPageScripts(IJSRuntime js)
{
    private IJSObjectReference? module;

    public bool Loaded => module is not null;

    /// <summary>Imports the module after the first render; false when the circuit is already gone.</summary>
    public async Task<bool> LoadAsync()
    {
        try
        {
            module = await js.InvokeAsync<IJSObjectReference>("import", "./Features/Chat/ChatPage.razor.js");
            await module.InvokeVoidAsync("installCodeCopy");
            await module.InvokeVoidAsync("installCitations");
            return true;
        }
        catch (JSDisconnectedException)
        {
            return false;
        }
    }

    public ValueTask AttachComposerAsync<TPage>(ElementReference composer, DotNetObjectReference<TPage> page) where TPage : class =>
        module?.InvokeVoidAsync("attachComposer", composer, page) ?? ValueTask.CompletedTask;

    public ValueTask ScrollToEndAsync(ElementReference element) =>
        module?.InvokeVoidAsync("scrollToEnd", element) ?? ValueTask.CompletedTask;

    public async Task<bool> CopyTextAsync(string text) => module is not null && await module.InvokeAsync<bool>("copyText", text);

    public async ValueTask DisposeAsync(ElementReference composer)
    {
        if (module is null)
        {
            return;
        }
        try
        {
            await module.InvokeVoidAsync("detachComposer", composer);
            await module.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
            // The circuit is gone; nothing to clean up in the browser.
        }
    }
}
