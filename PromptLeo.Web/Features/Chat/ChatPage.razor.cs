using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Localization;
using Microsoft.JSInterop;
using MudBlazor;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Chat;

public sealed partial class ChatPage
{
    [Inject] private ChatService Chat { get; set; } = null!;
    [Inject] private ConversationStore Store { get; set; } = null!;
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
    private IReadOnlyList<ConversationSummary> conversations = [];
    private IReadOnlyList<ChatPresetView> presets = [];
    private string? search;
    private ConversationView? conversation;
    private List<ChatMessageView> messages = [];
    private ChatSettings settings = new();
    private bool temporary;
    private bool notFound;
    private string? modelMissing;
    private bool showSettings;
    private bool listOpen;
    private string draft = "";
    private Guid? loadedId;
    private bool loadedOnce;

    // The running answer.
    private CancellationTokenSource? stopCts;
    private int streamGeneration;
    private string pendingUserText = "";
    private readonly StringBuilder answer = new();
    private int? queuePosition;
    private int replaceFrom;

    private ElementReference composer;
    private ElementReference messagesElement;
    private IJSObjectReference? module;
    private DotNetObjectReference<ChatPage>? selfReference;
    private bool attachComposer = true;
    private bool scrollPending;

    private bool Streaming => stopCts is not null;

    private bool IsTemporary => temporary || !storesChats;

    private int VisibleCount => Streaming ? Math.Min(replaceFrom, messages.Count) : messages.Count;

    private ChatMessageView PendingUser => new(Guid.Empty, -1, ChatRoles.User, pendingUserText, null, 0, 0, false, null, null, DateTimeOffset.UtcNow);

    private ChatMessageView PendingAnswer => new(Guid.Empty, -1, ChatRoles.Assistant, answer.ToString(), settings.ModelId, 0, 0, false, null, null, DateTimeOffset.UtcNow);

    protected override async Task OnInitializedAsync()
    {
        var state = await Auth.GetAuthenticationStateAsync();
        userId = state.User.FindFirstValue(ClaimTypes.NameIdentifier);
        models = Chat.AvailableModels();
        if (userId is null)
        {
            return;
        }
        try
        {
            storesChats = (await Guard.EnsureAllowedAsync(userId)).StoresChats;
        }
        catch (ProcessingRestrictedException ex)
        {
            restrictedMessage = T["Your account may not use the models right now: {0}", ex.Message];
        }
        conversations = await Store.ListAsync(userId);
        presets = await Store.ListPresetsAsync(userId);
    }

    protected override async Task OnParametersSetAsync()
    {
        if (userId is null || (loadedOnce && loadedId == Id))
        {
            return;
        }
        loadedOnce = true;
        loadedId = Id;
        DetachRunningAnswer();
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
            conversation = await Store.GetAsync(userId!, id);
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
            try
            {
                module = await JS.InvokeAsync<IJSObjectReference>("import", "./Features/Chat/ChatPage.razor.js");
                selfReference = DotNetObjectReference.Create(this);
                if (module is not null)
                {
                    await module.InvokeVoidAsync("installCodeCopy");
                }
            }
            catch (JSDisconnectedException)
            {
                return;
            }
        }
        if (module is null)
        {
            return;
        }
        if (attachComposer && !notFound)
        {
            attachComposer = false;
            await module.InvokeVoidAsync("attachComposer", composer, selfReference);
        }
        if (scrollPending && !notFound)
        {
            scrollPending = false;
            await module.InvokeVoidAsync("scrollToEnd", messagesElement);
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
                EndStreaming();
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
        replaceFrom = kind switch
        {
            ChatTurnKind.Send => messages.Count,
            ChatTurnKind.Edit => editIndex ?? messages.Count,
            _ => Math.Max(0, lastUser),
        };
        pendingUserText = kind == ChatTurnKind.Regenerate ? (lastUser >= 0 ? messages[lastUser].Content : "") : text!;
        answer.Clear();
        queuePosition = null;
        stopCts = new CancellationTokenSource();
        var generation = ++streamGeneration;
        scrollPending = true;
        StateHasChanged();

        ChatTurn turn;
        try
        {
            turn = await Chat.StartTurnAsync(request, stopCts.Token);
        }
        catch (Exception ex)
        {
            if (kind == ChatTurnKind.Send)
            {
                draft = savedDraft; // the user's message is kept for another try
            }
            EndStreaming();
            ShowStartError(ex);
            return;
        }

        var lastRender = Environment.TickCount64;
        await foreach (var update in turn.ReadUpdatesAsync())
        {
            if (generation != streamGeneration)
            {
                return; // the page moved on; the service still stores the answer
            }
            answer.Append(update.TextDelta);
            queuePosition = update.QueuePosition;
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
            if (generation == streamGeneration)
            {
                EndStreaming();
                Snackbar.Add(T["The answer could not be saved. Please try again."], Severity.Error);
            }
            return;
        }
        if (generation != streamGeneration)
        {
            return;
        }
        EndStreaming();
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
            conversations = await Store.ListAsync(userId, search);
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
                result.Cost > 0 ? result.Cost : null, now));
        }
        scrollPending = true;
    }

    private void Stop() => stopCts?.Cancel();

    private void EndStreaming()
    {
        stopCts?.Dispose();
        stopCts = null;
        queuePosition = null;
    }

    /// <summary>Stops following a running answer without cancelling it: it is still stored when it ends.</summary>
    private void DetachRunningAnswer()
    {
        if (Streaming)
        {
            streamGeneration++;
            stopCts = null;
        }
    }

    private void ShowStartError(Exception ex)
    {
        switch (ex)
        {
            case OperationCanceledException:
                break;
            case ChatInputException input:
                Snackbar.Add(T[input.Message], Severity.Warning);
                break;
            case ProcessingRestrictedException restricted:
                restrictedMessage = T["Your account may not use the models right now: {0}", restricted.Message];
                Snackbar.Add(restrictedMessage, Severity.Error);
                break;
            case BudgetExceededException budget:
                Snackbar.Add(T["Your budget does not cover this request: {0}", budget.Message], Severity.Error);
                break;
            case ModelNotFoundException missing:
                Snackbar.Add(T["The model \"{0}\" is no longer installed. Your message was kept; choose another model.", missing.ModelId], Severity.Error);
                models = Chat.AvailableModels();
                modelMissing = missing.ModelId;
                settings = settings with { ModelId = null };
                break;
            case ModelLoadException:
                Snackbar.Add(T["The model could not be loaded. Choose another model."], Severity.Error);
                break;
            case EngineBusyException busy:
                Snackbar.Add(T["The model is busy. Please try again in {0} seconds.", (int)Math.Ceiling(busy.RetryAfter.TotalSeconds)], Severity.Warning);
                break;
            case ChatRequestException invalid:
                Snackbar.Add(T["Invalid setting {0}: {1}", invalid.Field, invalid.Message], Severity.Warning);
                break;
            default:
                Logger.LogError(ex, "Chat turn failed to start for {UserId}", userId);
                Snackbar.Add(T["Something went wrong. Please try again."], Severity.Error);
                break;
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

    private CancellationTokenSource? settingsSave;

    // Settings of a stored conversation are saved shortly after the last change (typing a system prompt changes them
    // per keystroke), so they survive a reload without a message being sent.
    private void ScheduleSettingsSave()
    {
        if (conversation is null || IsTemporary || userId is null)
        {
            return;
        }
        settingsSave?.Cancel();
        settingsSave = new CancellationTokenSource();
        var token = settingsSave.Token;
        var (owner, id, snapshot) = (userId, conversation.Id, settings);
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(600, token);
                await Store.SaveSettingsAsync(owner, id, snapshot, token);
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception ex)
            {
                Logger.LogWarning(ex, "Saving chat settings failed");
            }
        }, CancellationToken.None);
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
        var copied = module is not null && await module.InvokeAsync<bool>("copyText", text);
        Snackbar.Add(copied ? T["Copied."] : T["The browser did not allow copying."], copied ? Severity.Success : Severity.Warning);
    }

    private async Task OnSearchAsync(string? value)
    {
        search = value;
        conversations = await Store.ListAsync(userId!, search);
    }

    private async Task TogglePinAsync(ConversationSummary c)
    {
        await Store.SetPinnedAsync(userId!, c.Id, !c.Pinned);
        conversations = await Store.ListAsync(userId!, search);
    }

    private async Task RenameAsync((ConversationSummary Conversation, string Title) rename)
    {
        try
        {
            await Store.RenameAsync(userId!, rename.Conversation.Id, rename.Title);
        }
        catch (ChatInputException ex)
        {
            Snackbar.Add(T[ex.Message], Severity.Warning);
        }
        conversations = await Store.ListAsync(userId!, search);
    }

    private async Task DeleteAsync(ConversationSummary c)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(T["Delete chat?"], T["\"{0}\" and all its messages will be deleted.", c.Title],
            yesText: T["Delete"], cancelText: T["Cancel"]);
        if (confirmed != true)
        {
            return;
        }
        await Store.DeleteAsync(userId!, c.Id);
        conversations = await Store.ListAsync(userId!, search);
        listOpen = false;
        if (c.Id == Id)
        {
            Navigation.NavigateTo("/chat");
        }
    }

    private async Task SavePresetAsync(string name)
    {
        try
        {
            await Store.SavePresetAsync(userId!, name, settings);
            presets = await Store.ListPresetsAsync(userId!);
            Snackbar.Add(T["Preset saved."], Severity.Success);
        }
        catch (ChatInputException ex)
        {
            Snackbar.Add(T[ex.Message], Severity.Warning);
        }
    }

    private async Task DeletePresetAsync(ChatPresetView preset)
    {
        await Store.DeletePresetAsync(userId!, preset.Id);
        presets = await Store.ListPresetsAsync(userId!);
    }

    public async ValueTask DisposeAsync()
    {
        // Closing the page stops the answer; what was produced is stored, marked incomplete.
        stopCts?.Cancel();
        if (module is not null)
        {
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
        selfReference?.Dispose();
    }
}
