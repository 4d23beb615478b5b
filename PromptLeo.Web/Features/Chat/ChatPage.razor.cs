using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Localization;
using Microsoft.JSInterop;
using MudBlazor;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Knowledge;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Chat;

public sealed partial class ChatPage
{
    [Inject] private ChatService Chat { get; set; } = null!;
    [Inject] private ConversationStore Store { get; set; } = null!;
    [Inject] private IKnowledgeService Knowledge { get; set; } = null!;
    [Inject] private InferenceAccessGuard Guard { get; set; } = null!;
    [Inject] private AuthenticationStateProvider Auth { get; set; } = null!;
    [Inject] private ISnackbar Snackbar { get; set; } = null!;
    [Inject] private IDialogService Dialogs { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;
    [Inject] private IJSRuntime JS { get; set; } = null!;
    [Inject] private IStringLocalizer<ChatResource> T { get; set; } = null!;
    [Inject] private ILogger<ChatPage> Logger { get; set; } = null!;

    [Parameter] public Guid? Id { get; set; }

    private string? userId;
    private bool storesChats = true;
    private string? restrictedMessage;
    private IReadOnlyList<ChatModelChoice> models = [];
    private ConversationView? conversation;
    private List<ChatMessageView> messages = [];
    private ChatSettings settings = new();
    private IReadOnlyList<KnowledgeCollectionSummary> collections = [];
    private bool temporary;
    private bool notFound;
    private string? modelMissing;
    private bool showSettings;
    private bool listOpen;
    private string announcement = "";
    private string draft = "";
    private Guid? loadedId;
    private bool loadedOnce;

    private readonly ChatStream stream = new();
    private ChatPageScripts scripts = null!;
    private ChatSettingsAutosave autosave = null!;
    private ChatLibrary library = null!;

    private ElementReference composer;
    private ElementReference messagesElement;
    private DotNetObjectReference<ChatPage>? selfReference;
    private bool attachComposer = true;
    private bool scrollPending;

    private bool Streaming => stream.Active;

    private bool IsTemporary => temporary || !storesChats;

    // Ids of deleted collections stay in the settings but show no chip; the answer ignores them.
    private List<KnowledgeCollectionSummary> AttachedCollections => [.. collections.Where(c => settings.CollectionIds.Contains(c.Id))];

    private int VisibleCount => Streaming ? Math.Min(stream.ReplaceFrom, messages.Count) : messages.Count;

    private ChatMessageView PendingUser => new(Guid.Empty, -1, ChatRoles.User, stream.PendingUserText, null, 0, 0, false, null, null, DateTimeOffset.UtcNow);

    private ChatMessageView PendingAnswer => new(Guid.Empty, -1, ChatRoles.Assistant, stream.Answer.ToString(), settings.ModelId, 0, 0, false, null, null, DateTimeOffset.UtcNow,
        stream.Thinking.Length > 0 ? stream.Thinking.ToString() : null);

    protected override async Task OnInitializedAsync()
    {
        scripts = new ChatPageScripts(JS);
        autosave = new ChatSettingsAutosave(Store, Logger);
        library = new ChatLibrary(Store, Dialogs, Snackbar, T, Circuit);
        var state = await Auth.GetAuthenticationStateAsync();
        userId = state.User.FindFirstValue(ClaimTypes.NameIdentifier);
        models = Chat.AvailableModels();
        if (userId is null)
        {
            return;
        }
        try
        {
            storesChats = (await Guard.EnsureAllowedAsync(userId, Circuit)).StoresChats;
        }
        catch (ProcessingRestrictedException ex)
        {
            restrictedMessage = T["Your account may not use the models right now: {0}", T[ex.Message]];
        }
        await library.LoadAsync(userId);
        collections = await Knowledge.CollectionsAsync(userId, Circuit);
    }

    protected override async Task OnParametersSetAsync()
    {
        if (userId is null || (loadedOnce && loadedId == Id))
        {
            return;
        }
        loadedOnce = true;
        loadedId = Id;
        listOpen = false; // picking a conversation in the phone drawer closes it
        stream.Detach();
        notFound = false;
        modelMissing = null;
        attachComposer = true;
        if (Id is { } id)
        {
            temporary = false;
            await LoadConversationAsync(id);
        }
        else
        {
            conversation = null;
            messages = [];
        }
        EnsureModelSelected();
        scrollPending = true;
    }

    private async Task LoadConversationAsync(Guid id)
    {
        try
        {
            conversation = await Store.GetAsync(userId!, id, Circuit);
        }
        catch (ContentUnavailableException)
        {
            conversation = null;
        }
        notFound = conversation is null;
        if (notFound)
        {
            // A real 404 (status page on a direct load, the not-found page in the circuit); "not yours" and
            // "does not exist" look the same, so ids disclose nothing.
            Navigation.NotFound();
        }
        messages = conversation?.Messages.ToList() ?? [];
        if (conversation is not null)
        {
            settings = conversation.Settings;
            if (settings.ModelId is { } modelId && models.All(m => m.Id != modelId))
            {
                modelMissing = modelId;
                settings = settings with { ModelId = null };
            }
        }
    }

    private void EnsureModelSelected()
    {
        if (settings.ModelId is null && modelMissing is null && models.Count > 0)
        {
            settings = settings with { ModelId = models[0].Id };
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            if (!await scripts.LoadAsync())
            {
                return;
            }
            selfReference = DotNetObjectReference.Create(this);
        }
        if (!scripts.Loaded)
        {
            return;
        }
        if (attachComposer && !notFound)
        {
            attachComposer = false;
            await scripts.AttachComposerAsync(composer, selfReference!);
        }
        if (scrollPending && !notFound)
        {
            scrollPending = false;
            await scripts.ScrollToEndAsync(messagesElement);
        }
    }

    /// <summary>Called by chat.js on Enter (without Shift) in the message box, with the box's current text.</summary>
    [JSInvokable]
    public Task SubmitFromKeyboard(string text)
    {
        _ = InvokeAsync(async () =>
        {
            try
            {
                draft = text;
                await SendDraftAsync();
            }
            catch (Exception ex)
            {
                Logger.LogWarning(ex, "Sending from the keyboard failed");
                stream.End();
                Snackbar.Add(T["The answer could not be saved. Please try again."], Severity.Error);
            }
            // Not a Blazor event handler, so nothing re-renders on its own when the answer is done.
            StateHasChanged();
        });
        return Task.CompletedTask;
    }

    private Task SendDraftAsync() => SubmitAsync(ChatTurnKind.Send, draft, null);

    private Task RegenerateAsync() => SubmitAsync(ChatTurnKind.Regenerate, null, null);

    private Task ResendAsync((int Index, string Text) edit) => SubmitAsync(ChatTurnKind.Edit, edit.Text, edit.Index);

    private async Task SubmitAsync(ChatTurnKind kind, string? text, int? editIndex)
    {
        if (Streaming || userId is null || notFound)
        {
            return;
        }
        if (settings.ModelId is null)
        {
            Snackbar.Add(T["Choose a model first."], Severity.Warning);
            return;
        }
        if (kind != ChatTurnKind.Regenerate)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                return;
            }
            if (text.Length > Chat.Options.MaxPromptCharacters)
            {
                Snackbar.Add(T["The message is too long ({0} characters; at most {1}). Nothing was sent.", text.Length, Chat.Options.MaxPromptCharacters], Severity.Warning);
                return;
            }
        }

        var request = new ChatTurnRequest(userId, kind, settings)
        {
            ConversationId = IsTemporary ? null : conversation?.Id,
            Prompt = text,
            EditIndex = editIndex,
            Temporary = IsTemporary,
            History = IsTemporary ? [.. messages.Select(m => new ChatHistoryMessage(m.Role, m.Content))] : [],
        };
        var savedDraft = draft;
        if (kind == ChatTurnKind.Send)
        {
            draft = "";
        }
        var lastUser = messages.FindLastIndex(m => m.IsUser);
        var replaceFrom = kind switch
        {
            ChatTurnKind.Send => messages.Count,
            ChatTurnKind.Edit => editIndex ?? messages.Count,
            _ => Math.Max(0, lastUser),
        };
        var pendingUserText = kind == ChatTurnKind.Regenerate ? (lastUser >= 0 ? messages[lastUser].Content : "") : text!;
        var (generation, stop) = stream.Begin(pendingUserText, replaceFrom);
        announcement = T["Writing the answer…"];
        scrollPending = true;
        StateHasChanged();

        ChatTurn turn;
        try
        {
            turn = await Chat.StartTurnAsync(request, stop);
        }
        catch (Exception ex)
        {
            if (kind == ChatTurnKind.Send)
            {
                draft = savedDraft; // the user's message is kept for another try
            }
            stream.End();
            ShowStartError(ex);
            return;
        }

        if (turn.ConversationId is not null && request.ConversationId is null)
        {
            // The new conversation is stored as soon as the answer starts: list it now, not when the answer is done.
            await library.RefreshAsync();
            StateHasChanged();
        }
        var lastRender = Environment.TickCount64;
        await foreach (var update in turn.ReadUpdatesAsync())
        {
            if (!stream.IsCurrent(generation))
            {
                return; // the page moved on; the service still stores the answer
            }
            stream.Answer.Append(update.TextDelta);
            stream.Thinking.Append(update.ReasoningDelta);
            stream.QueuePosition = update.QueuePosition;
            if (Environment.TickCount64 - lastRender >= 50)
            {
                lastRender = Environment.TickCount64;
                scrollPending = true;
                StateHasChanged();
            }
        }
        ChatTurnResult result;
        try
        {
            result = await turn.Completion;
        }
        catch (Exception ex)
        {
            // The service logged the cause; the composer must not stay stuck in "streaming".
            Logger.LogWarning(ex, "Chat turn could not be completed");
            if (stream.IsCurrent(generation))
            {
                stream.End();
                Snackbar.Add(T["The answer could not be saved. Please try again."], Severity.Error);
            }
            return;
        }
        if (!stream.IsCurrent(generation))
        {
            return;
        }
        stream.End();
        announcement = T["Answer: {0}", result.AssistantText];
        // The turn stored the settings it was sent with; keep any change made while it was answering.
        ScheduleSettingsSave();

        if (result.FinishReason == FinishReason.Error)
        {
            Snackbar.Add(T["The answer failed; the partial answer was kept and marked incomplete."], Severity.Error);
        }
        if (result.DroppedTurns > 0)
        {
            Snackbar.Add(T["The oldest {0} messages did not fit the model's context and were left out.", result.DroppedTurns], Severity.Info);
        }
        if (result.Stored && result.ConversationId is { } savedId)
        {
            await library.RefreshAsync();
            if (Id != savedId)
            {
                Navigation.NavigateTo($"/chat/{savedId}", replace: true);
                return;
            }
            await LoadConversationAsync(savedId);
        }
        else
        {
            var now = DateTimeOffset.UtcNow;
            messages = [.. messages.Take(result.ReplaceFromIndex)];
            messages.Add(new ChatMessageView(Guid.NewGuid(), messages.Count, ChatRoles.User, result.UserText, null, result.PromptTokens, 0, false, null, null, now));
            messages.Add(new ChatMessageView(Guid.NewGuid(), messages.Count, ChatRoles.Assistant, result.AssistantText, settings.ModelId,
                result.PromptTokens, result.CompletionTokens, result.Incomplete, result.FinishReason.ToString().ToLowerInvariant(),
                result.Cost > 0 ? result.Cost : null, now, result.Thinking, result.Citations));
        }
        scrollPending = true;
    }

    private void Stop() => stream.Stop();

    private async Task SelectVersionAsync(Guid messageId)
    {
        if (Streaming || conversation is null || userId is null)
        {
            return;
        }
        await Store.SelectVersionAsync(userId, conversation.Id, messageId, Circuit);
        await LoadConversationAsync(conversation.Id);
    }

    private void ShowStartError(Exception ex)
    {
        var error = ChatStartError.From(ex, T);
        if (error.Unexpected)
        {
            Logger.LogError(ex, "Chat turn failed to start for {UserId}", userId);
        }
        if (error.RestrictedMessage is not null)
        {
            restrictedMessage = error.RestrictedMessage;
        }
        if (error.MissingModelId is not null)
        {
            models = Chat.AvailableModels();
            modelMissing = error.MissingModelId;
            settings = settings with { ModelId = null };
        }
        if (error.Message is not null)
        {
            Snackbar.Add(error.Message, error.Severity);
        }
    }

    private void OnModelChanged(string? modelId)
    {
        settings = settings with { ModelId = modelId };
        modelMissing = null;
        ScheduleSettingsSave();
    }

    private void OnSettingsChanged(ChatSettings changed)
    {
        settings = changed;
        ScheduleSettingsSave();
    }

    private void DetachCollection(Guid collectionId) =>
        OnSettingsChanged(settings with { CollectionIds = [.. settings.CollectionIds.Where(id => id != collectionId)] });

    private void ScheduleSettingsSave()
    {
        if (conversation is not null && !IsTemporary && userId is not null)
        {
            autosave.Schedule(userId, conversation.Id, settings);
        }
    }

    private void OnTemporaryChanged(bool on)
    {
        if (Streaming)
        {
            return;
        }
        temporary = on;
        messages = [];
        conversation = null;
        if (Id is not null)
        {
            Navigation.NavigateTo("/chat");
        }
    }

    // Demo display names carry an English label already; show the id with the localized label instead.
    private string ModelLabel(ChatModelChoice model) =>
        model.IsDemo ? $"{model.Id} — {T["Demo (random weights)"]}" : model.DisplayName;

    private async Task CopyAsync(string text)
    {
        var copied = await scripts.CopyTextAsync(text);
        Snackbar.Add(copied ? T["Copied."] : T["The browser did not allow copying."], copied ? Severity.Success : Severity.Warning);
    }

    private async Task DeleteAsync(ConversationSummary c)
    {
        if (!await library.DeleteAsync(c))
        {
            return;
        }
        listOpen = false;
        if (c.Id == Id)
        {
            Navigation.NavigateTo("/chat");
        }
    }

    private Task SavePresetAsync(string name) => library.SavePresetAsync(name, settings);

    public async ValueTask DisposeAsync()
    {
        // Closing the page stops the answer; what was produced is stored, marked incomplete.
        stream.Stop();
        Dispose();
        autosave?.Dispose();
        if (scripts is not null)
        {
            await scripts.DisposeAsync(composer);
        }
        selfReference?.Dispose();
    }
}
