using Microsoft.Extensions.Localization;
using MudBlazor;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Chat;

/// <summary>
/// The chat page's conversation list (search, pin, rename, delete) and settings presets for the signed-in user.
/// Every store call is scoped to that user and stops with the page's circuit.
/// </summary>
internal sealed class ChatLibrary(
    ConversationStore store, IDialogService dialogs, ISnackbar snackbar, IStringLocalizer<ChatResource> T, CancellationToken circuit)
{
    private string userId = "";

    public IReadOnlyList<ConversationSummary> Conversations { get; private set; } = [];

    public IReadOnlyList<ChatPresetView> Presets { get; private set; } = [];

    public string? Search { get; private set; }

    public async Task LoadAsync(string user)
    {
        userId = user;
        Conversations = await store.ListAsync(userId, cancellationToken: circuit);
        Presets = await store.ListPresetsAsync(userId, circuit);
    }

    public async Task RefreshAsync() => Conversations = await store.ListAsync(userId, Search, circuit);

    public async Task SearchAsync(string? value)
    {
        Search = value;
        await RefreshAsync();
    }

    public async Task TogglePinAsync(ConversationSummary c)
    {
        await store.SetPinnedAsync(userId, c.Id, !c.Pinned, circuit);
        await RefreshAsync();
    }

    public async Task RenameAsync((ConversationSummary Conversation, string Title) rename)
    {
        try
        {
            await store.RenameAsync(userId, rename.Conversation.Id, rename.Title, circuit);
        }
        catch (ChatInputException ex)
        {
            snackbar.Add(T[ex.Message], Severity.Warning);
        }
        await RefreshAsync();
    }

    /// <summary>Asks first; true when the conversation was deleted.</summary>
    public async Task<bool> DeleteAsync(ConversationSummary c)
    {
        var confirmed = await dialogs.ShowMessageBoxAsync(T["Delete chat?"], T["\"{0}\" and all its messages will be deleted.", c.Title],
            yesText: T["Delete"], cancelText: T["Cancel"]);
        if (confirmed != true)
        {
            return false;
        }
        await store.DeleteAsync(userId, c.Id, circuit);
        await RefreshAsync();
        return true;
    }

    public async Task SavePresetAsync(string name, ChatSettings settings)
    {
        try
        {
            await store.SavePresetAsync(userId, name, settings, circuit);
            Presets = await store.ListPresetsAsync(userId, circuit);
            snackbar.Add(T["Preset saved."], Severity.Success);
        }
        catch (ChatInputException ex)
        {
            snackbar.Add(T[ex.Message], Severity.Warning);
        }
    }

    public async Task DeletePresetAsync(ChatPresetView preset)
    {
        await store.DeletePresetAsync(userId, preset.Id, circuit);
        Presets = await store.ListPresetsAsync(userId, circuit);
    }
}
