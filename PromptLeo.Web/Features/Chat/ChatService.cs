using System.Text;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Llm;
using ChatResponseUpdate = Microsoft.Extensions.AI.ChatResponseUpdate;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Knowledge;
using PromptLeo.Web.Features.Metering;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Web.Features.Chat;

/// <summary>
/// Answers chat turns for the portal: checks the account, the input and the budget, streams from the engine and, when
/// the stream ends, writes the messages, the usage event and the processing record in one transaction. The writing
/// runs on its own task, so a finished answer is stored even when the page that asked is gone.
/// </summary>
public sealed class ChatService(
    IDbContextFactory<AppDbContext> dbFactory,
    UserContentCipher cipher,
    MeteredInference metered,
    IModelRegistry registry,
    RemoteInference.RemoteEndpointCatalog remote,
    Models.ModelAvailability availability,
    IKnowledgeService knowledge,
    IOptions<KnowledgeOptions> knowledgeOptions,
    IOptions<ChatOptions> options,
    ConversationTitler titler,
    TimeProvider time,
    ILogger<ChatService> logger)
{
    public ChatOptions Options => options.Value;

    /// <summary>Installed chat models that are loaded or loadable (failed and disabled ones are left out).</summary>
    public IReadOnlyList<ChatModelChoice> AvailableModels() =>
        [.. registry.List()
            .Where(s => s.Manifest.Kind == ModelKind.Chat && s.State is ModelState.Loaded or ModelState.NotLoaded
                        && availability.IsOffered(s.Manifest.Id))
            .OrderBy(s => s.Manifest.IsDemo)
            .ThenBy(s => s.Manifest.DisplayName, StringComparer.CurrentCultureIgnoreCase)
            .Select(s => new ChatModelChoice(s.Manifest.Id, s.Manifest.DisplayName, s.Manifest.IsDemo))
            // Models of remote inference endpoints, after the installed ones; an installed id wins.
            .Concat(remote.Models()
                .Where(m => m.Kind == RemoteInference.RemoteModelKinds.Chat && registry.Get(m.Id) is null && availability.IsOffered(m.Id))
                .Select(m => new ChatModelChoice(m.Id, m.Id, false)))];

    /// <summary>
    /// Checks everything, then starts the answer. Failures the user must see before anything streams are thrown here:
    /// <see cref="ChatInputException"/>, <see cref="ProcessingRestrictedException"/>, <see cref="BudgetExceededException"/>,
    /// <see cref="ModelNotFoundException"/>, <see cref="ModelLoadException"/>, <see cref="ChatRequestException"/>,
    /// <see cref="EngineBusyException"/>. Cancelling <paramref name="cancellationToken"/> stops the answer; what was
    /// produced is stored, marked incomplete.
    /// </summary>
    public async Task<ChatTurn> StartTurnAsync(ChatTurnRequest request, CancellationToken cancellationToken = default)
    {
        var settings = request.Settings;
        if (string.IsNullOrWhiteSpace(settings.ModelId))
        {
            throw new ChatInputException("Choose a model first.");
        }
        if (settings.SystemPrompt.Length > options.Value.MaxSystemPromptCharacters)
        {
            throw new ChatInputException("The system prompt is too long.");
        }
        if (request.Kind != ChatTurnKind.Regenerate)
        {
            CheckPrompt(request.Prompt);
        }

        // History: the stored conversation (owner checked), or what the page holds for a temporary chat.
        // Stored chats: the active path (ids kept to anchor a new version); temporary chats: the page's list.
        IReadOnlyList<ChatHistoryMessage> history = request.History;
        IReadOnlyList<Guid> pathIds = [];
        if (request.ConversationId is { } existingId)
        {
            (history, pathIds) = await LoadHistoryAsync(request.UserId, existingId, cancellationToken)
                ?? throw new ChatInputException("This conversation was not found.");
        }

        var (replaceFrom, userText) = request.Kind switch
        {
            ChatTurnKind.Send => (history.Count, request.Prompt!),
            ChatTurnKind.Edit => EditTarget(history, request.EditIndex, request.Prompt!),
            _ => RegenerateTarget(history),
        };
        // The new version's parent: the edited message's parent, or the user message answered again. A sent message follows the active leaf at save time.
        Guid? parentId = pathIds.Count == 0 || request.Kind == ChatTurnKind.Send ? null
            : request.Kind == ChatTurnKind.Edit ? (replaceFrom == 0 ? null : pathIds[replaceFrom - 1])
            : pathIds[replaceFrom];
        var (systemPrompt, citations) = await WithKnowledgeAsync(request.UserId, settings, userText, cancellationToken);
        var turns = new List<ChatMessage>(replaceFrom + 2);
        if (!string.IsNullOrWhiteSpace(systemPrompt))
        {
            turns.Add(new ChatMessage(ChatRole.System, systemPrompt));
        }
        turns.AddRange(history.Take(replaceFrom).Select(m => new ChatMessage(m.Role == ChatRoles.User ? ChatRole.User : ChatRole.Assistant, m.Content)));
        turns.Add(new ChatMessage(ChatRole.User, userText));

        var modelId = settings.ModelId;
        // An upper bound for the reservation (the charge never exceeds it); the settlement uses exact counts.
        var bound = new UsageActual(InputTokens: UsageBounds.MaxPromptTokens(turns.Select(t => t.Content)), OutputTokens: settings.MaxTokens);
        var call = await metered.BeginAsync(new MeteredRequest(new InferencePrincipal(request.UserId), ProcessingPurpose.Chat, modelId, bound), cancellationToken);
        var store = call.Account.StoresChats && !request.Temporary;
        var conversationId = request.ConversationId ?? (store ? Guid.CreateVersion7() : null);
        IAsyncEnumerator<ChatResponseUpdate>? updates = null;
        bool hasFirst;
        try
        {
            var chatRequest = new ChatRequest(modelId, turns, new SamplingOptions
            {
                Temperature = settings.Temperature,
                TopP = settings.TopP,
                MaxTokens = settings.MaxTokens,
                Seed = settings.Seed is { } seed ? unchecked((uint)seed) : null,
            }, FairnessKey: request.UserId,
                // Kept in the KV cache only where the chat itself is kept: not for temporary chats or zero retention.
                CacheScope: store ? call.Request.Principal.CacheScope : null);
            // Local and remote models alike through IChatClient; the exact request travels as the options' raw representation.
            updates = call.Target.Chat.GetStreamingResponseAsync(ChatEngineRequests.ToMessages(chatRequest), ChatEngineRequests.ToOptions(chatRequest), cancellationToken)
                .GetAsyncEnumerator(cancellationToken);
            // The engine throws validation, busy and missing-model errors before its first update.
            hasFirst = await updates.MoveNextAsync();
            if (store && request.ConversationId is null)
            {
                // Stored once the answer has started, so the conversation list shows it while it streams.
                await CreateConversationAsync(request.UserId, conversationId!.Value, userText, cancellationToken);
            }
        }
        catch (Exception ex)
        {
            if (updates is not null)
            {
                await updates.DisposeAsync();
            }
            await call.FinishAsync(ex);
            throw;
        }

        logger.LogInformation("Chat turn {RequestId} started for {UserId} on {ModelId} (stored: {Stored})", call.RequestId, request.UserId, modelId, store);
        var channel = Channel.CreateUnbounded<ChatStreamUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var context = new TurnContext(request, call, store, conversationId, replaceFrom, userText, citations, parentId);
        var completion = Task.Run(() => PumpAsync(context, updates, hasFirst, channel.Writer, cancellationToken), CancellationToken.None);
        return new ChatTurn(conversationId, userText, replaceFrom, channel.Reader, completion);
    }

    /// <summary>
    /// With attached collections: the system prompt plus the passages relevant to <paramref name="userText"/> (numbered, to
    /// cite as [n]) or the note that none was found, and the citations the answer may use. Without: the system prompt alone.
    /// </summary>
    private async Task<(string SystemPrompt, IReadOnlyList<KnowledgeCitation>? Citations)> WithKnowledgeAsync(string userId, ChatSettings settings, string userText, CancellationToken cancellationToken)
    {
        if (settings.CollectionIds.Count == 0)
        {
            return (settings.SystemPrompt, null);
        }
        if (settings.CollectionIds.Count > KnowledgeLinks.MaxPerChat)
        {
            throw new ChatInputException("Too many knowledge collections are attached to this chat.");
        }
        IReadOnlyList<KnowledgePassage> passages;
        try
        {
            passages = await knowledge.SearchAsync(userId, settings.CollectionIds, userText, knowledgeOptions.Value.TopK, cancellationToken);
        }
        catch (KnowledgeException ex) when (ex.Code == "not_found")
        {
            throw new ChatInputException("A knowledge collection attached to this chat was not found.");
        }
        var block = KnowledgePrompt.Compose(passages);
        return (string.IsNullOrWhiteSpace(settings.SystemPrompt) ? block : $"{settings.SystemPrompt}\n\n{block}", KnowledgePrompt.Citations(passages));
    }

    private void CheckPrompt(string? prompt)
    {
        if (string.IsNullOrWhiteSpace(prompt))
        {
            throw new ChatInputException("The message is empty.");
        }
        if (prompt.Length > options.Value.MaxPromptCharacters)
        {
            throw new ChatInputException($"The message is too long ({prompt.Length} characters; at most {options.Value.MaxPromptCharacters}).");
        }
    }

    private static (int, string) EditTarget(IReadOnlyList<ChatHistoryMessage> history, int? index, string prompt)
    {
        if (index is not { } i || i < 0 || i >= history.Count || history[i].Role != ChatRoles.User)
        {
            throw new ChatInputException("Only your own messages can be edited.");
        }
        return (i, prompt);
    }

    private static (int, string) RegenerateTarget(IReadOnlyList<ChatHistoryMessage> history)
    {
        for (var i = history.Count - 1; i >= 0; i--)
        {
            if (history[i].Role == ChatRoles.User)
            {
                return (i, history[i].Content);
            }
        }
        throw new ChatInputException("There is no message to answer again.");
    }

    /// <summary>A new conversation, titled from the first words of its first message.</summary>
    private async Task CreateConversationAsync(string userId, Guid conversationId, string firstMessage, CancellationToken cancellationToken)
    {
        var title = await cipher.EncryptStringAsync(userId, ContentPurpose.ConversationTitle,
            ConversationTree.TitleFromFirstMessage(firstMessage, options.Value.MaxTitleCharacters), cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        db.Conversations.Add(new Conversation { Id = conversationId, UserId = userId, TitleCipher = title, CreatedAt = now, UpdatedAt = now });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The conversation's active path (texts and message ids), or null when it is not the user's.</summary>
    private async Task<(IReadOnlyList<ChatHistoryMessage>, IReadOnlyList<Guid>)?> LoadHistoryAsync(string userId, Guid conversationId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Conversations.AnyAsync(c => c.Id == conversationId && c.UserId == userId, cancellationToken))
        {
            return null;
        }
        var rows = await db.ConversationMessages.AsNoTracking().Where(m => m.ConversationId == conversationId).ToListAsync(cancellationToken);
        var path = ConversationTree.ActivePath(rows);
        var history = new List<ChatHistoryMessage>(path.Count);
        foreach (var row in path)
        {
            var text = await cipher.DecryptStringAsync(userId, ContentPurpose.Message, row.ContentCipher, cancellationToken);
            // Earlier reasoning is not sent back to the model, as Qwen3's own template drops it from past turns.
            history.Add(new ChatHistoryMessage(row.Role, ChatAnswerText.SplitMessage(row.Role, text).Content));
        }
        return (history, [.. path.Select(m => m.Id)]);
    }

    private sealed record TurnContext(ChatTurnRequest Request, MeteredCall Call, bool Store, Guid? ConversationId, int ReplaceFrom, string UserText, IReadOnlyList<KnowledgeCitation>? Citations, Guid? ParentId)
    {
        public string RequestId => Call.RequestId;
    }

    private async Task<ChatTurnResult> PumpAsync(TurnContext turn, IAsyncEnumerator<ChatResponseUpdate> updates, bool hasNext, ChannelWriter<ChatStreamUpdate> writer, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var thinking = new StringBuilder();
        FinishReason? finish = null;
        string? error = null;
        int promptTokens = 0, completionTokens = 0, dropped = 0;
        var usage = new ChatUsageTotals();
        try
        {
            try
            {
                while (hasNext)
                {
                    var update = updates.Current;
                    var textDelta = update.Text;
                    var reasoningDelta = update.ReasoningText();
                    text.Append(textDelta);
                    thinking.Append(reasoningDelta);
                    usage.Add(update);
                    promptTokens = Math.Max(promptTokens, usage.PromptTokens);
                    completionTokens = Math.Max(completionTokens, usage.CompletionTokens);
                    dropped = Math.Max(dropped, update.DroppedTurns());
                    turn.Call.Report(new UsageActual(promptTokens, completionTokens));
                    writer.TryWrite(new ChatStreamUpdate(textDelta, update.QueuePosition(), promptTokens, completionTokens, reasoningDelta));
                    if (update.EngineFinish() is { } reason)
                    {
                        finish = reason;
                        error = update.EngineError();
                        break;
                    }
                    hasNext = await updates.MoveNextAsync();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                finish = FinishReason.Cancelled;
            }
            catch (InferenceProviderException ex)
            {
                // A remote node failed mid-answer: already logged with the endpoint; the partial answer is kept, nothing is charged.
                turn.Call.Report(new UsageActual());
                finish = FinishReason.Error;
                error = ex.Message;
            }
            catch (Exception ex)
            {
                // Engine messages never contain prompt text; the exception is logged for the operator.
                logger.LogError(ex, "Chat turn {RequestId} failed while streaming", turn.RequestId);
                finish = FinishReason.Error;
                error = "The model failed while answering.";
            }
            finally
            {
                await updates.DisposeAsync();
            }
            finish ??= cancellationToken.IsCancellationRequested ? FinishReason.Cancelled : FinishReason.Error;

            var answer = text.ToString();
            var reasoning = thinking.Length > 0 ? thinking.ToString() : null;
            turn.Call.Outcome = finish switch
            {
                FinishReason.Stop or FinishReason.Length => InferenceOutcome.Completed,
                FinishReason.Cancelled => InferenceOutcome.Cancelled,
                _ => InferenceOutcome.Failed,
            };
            var finishReason = finish.Value;
            turn.Call.SaveWith(save => SaveContentAsync(save, turn, ChatAnswerText.Compose(reasoning, answer), finishReason, promptTokens, completionTokens));
            decimal cost;
            try
            {
                cost = await turn.Call.FinishAsync();
            }
            catch (Exception ex)
            {
                // Logged here because nobody may await the completion any more (the page moved on).
                logger.LogError(ex, "Chat turn {RequestId} could not be saved", turn.RequestId);
                throw;
            }
            logger.LogInformation("Chat turn {RequestId} finished {FinishReason} with {PromptTokens} prompt and {CompletionTokens} completion tokens",
                turn.RequestId, finish.Value, promptTokens, completionTokens);
            if (turn.Store && turn.Request.ConversationId is null && turn.ConversationId is { } newId
                && finish is FinishReason.Stop or FinishReason.Length && titler.Applies(turn.Request.Settings.ModelId!))
            {
                // The first exchange of a new conversation: its model names it (the page lists it when this turn completes).
                try
                {
                    await titler.TitleAsync(turn.Request.UserId, newId, turn.Request.Settings.ModelId!, turn.UserText, answer,
                        ConversationTree.TitleFromFirstMessage(turn.UserText, options.Value.MaxTitleCharacters), CancellationToken.None);
                }
                catch (Exception ex)
                {
                    // The answer is stored; a title that could not be written must not fail the turn.
                    logger.LogWarning("Turn {RequestId}: the conversation title could not be written ({Error})", turn.RequestId, ex.GetType().Name);
                }
            }
            return new ChatTurnResult(turn.Store ? turn.ConversationId : null, turn.Store, turn.UserText, answer, turn.ReplaceFrom, finish.Value,
                promptTokens, completionTokens, cost, dropped, error, reasoning, turn.Citations);
        }
        finally
        {
            await turn.Call.DisposeAsync();
            writer.TryComplete();
        }
    }

    /// <summary>The conversation rows of a turn; the metering service saves them with the usage event and the record.</summary>
    private async Task SaveContentAsync(MeteredSave save, TurnContext turn, string answer, FinishReason finish, int promptTokens, int completionTokens)
    {
        var request = turn.Request;
        var userId = request.UserId;
        var settings = request.Settings;
        var cost = save.Cost;
        // Stored even when the page is gone: the answer must survive a dropped circuit.
        var none = CancellationToken.None;
        var now = time.GetUtcNow();
        // Encrypt first: creating a data key writes too, and the transaction below holds the database's write lock.
        StoredTexts? texts = null;
        if (turn.Store && turn.ConversationId is not null)
        {
            texts = new StoredTexts(
                string.IsNullOrEmpty(settings.SystemPrompt) ? null : await cipher.EncryptStringAsync(userId, ContentPurpose.SystemPrompt, settings.SystemPrompt, none),
                await cipher.EncryptStringAsync(userId, ContentPurpose.Message, turn.UserText, none),
                await cipher.EncryptStringAsync(userId, ContentPurpose.Message, answer, none),
                turn.Citations is null ? null : await cipher.EncryptStringAsync(userId, ContentPurpose.MessageCitations, KnowledgeCitations.Serialize(turn.Citations), none));
        }

        var db = save.Db;
        if (texts is not null && turn.ConversationId is { } conversationId)
        {
            // The active-leaf read and the sibling update must see the rows the insert joins; the service commits after SaveChanges.
            await db.Database.BeginTransactionAsync(none);
            var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.Id == conversationId && c.UserId == userId, none);
            // A conversation deleted while it was answering stays deleted; only the record is kept.
            if (conversation is not null)
            {
                conversation.ModelId = settings.ModelId;
                conversation.SystemPromptCipher = texts.SystemPrompt;
                conversation.Temperature = settings.Temperature;
                conversation.TopP = settings.TopP;
                conversation.MaxTokens = settings.MaxTokens;
                conversation.Seed = settings.Seed;
                conversation.CollectionIds = KnowledgeLinks.Format(settings.CollectionIds);
                conversation.UpdatedAt = now;
                await AddVersionAsync(db, turn, conversationId, texts, finish, promptTokens, completionTokens, cost, now);
            }
        }
    }

    /// <summary>
    /// Adds the turn's messages as the selected version under their parent; nothing is deleted. A sent message follows
    /// whatever is the active leaf now, so a second tab's answer is never overwritten.
    /// </summary>
    private static async Task AddVersionAsync(AppDbContext db, TurnContext turn, Guid conversationId, StoredTexts texts, FinishReason finish, int promptTokens, int completionTokens, decimal cost, DateTimeOffset now)
    {
        var none = CancellationToken.None;
        var kind = turn.Request.Kind;
        var parentId = turn.ParentId;
        if (kind == ChatTurnKind.Send)
        {
            var path = ConversationTree.ActivePath(await db.ConversationMessages.AsNoTracking().Where(m => m.ConversationId == conversationId).ToListAsync(none));
            parentId = path.Count == 0 ? null : path[^1].Id;
        }
        var depth = parentId is null ? 0
            : await db.ConversationMessages.Where(m => m.Id == parentId && m.ConversationId == conversationId).Select(m => m.Ordinal + 1).FirstOrDefaultAsync(none);
        await db.ConversationMessages.Where(m => m.ConversationId == conversationId && m.ParentId == parentId)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Selected, false), none);
        if (kind != ChatTurnKind.Regenerate)
        {
            var user = new ConversationMessage
            {
                ConversationId = conversationId,
                ParentId = parentId,
                Ordinal = depth++,
                Role = ChatRoles.User,
                ContentCipher = texts.UserMessage,
                InputTokens = promptTokens,
                RequestId = turn.RequestId,
                CreatedAt = now,
            };
            db.ConversationMessages.Add(user);
            parentId = user.Id;
        }
        db.ConversationMessages.Add(new ConversationMessage
        {
            ConversationId = conversationId,
            ParentId = parentId,
            Ordinal = depth,
            Role = ChatRoles.Assistant,
            ContentCipher = texts.Answer,
            ModelId = turn.Request.Settings.ModelId,
            InputTokens = promptTokens,
            OutputTokens = completionTokens,
            Incomplete = finish is not FinishReason.Stop,
            FinishReason = finish.ToString().ToLowerInvariant(),
            Cost = cost > 0 ? cost : null,
            RequestId = turn.RequestId,
            CitationsCipher = texts.Citations,
            CreatedAt = now,
        });
    }

    private sealed record StoredTexts(byte[]? SystemPrompt, byte[] UserMessage, byte[] Answer, byte[]? Citations);
}
