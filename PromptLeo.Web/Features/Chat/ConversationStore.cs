using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Knowledge;

namespace PromptLeo.Web.Features.Chat;

/// <summary>
/// Reads and edits a user's stored conversations and presets. Every query filters by the owner, so another user's
/// id behaves exactly like an unknown one.
/// </summary>
public sealed class ConversationStore(IDbContextFactory<AppDbContext> dbFactory, UserContentCipher cipher, IOptions<ChatOptions> options, TimeProvider time, Privacy.AuditLog audit)
{
    /// <summary>The user's conversations, pinned first, then newest; <paramref name="search"/> filters the decrypted titles.</summary>
    public async Task<IReadOnlyList<ConversationSummary>> ListAsync(string userId, string? search = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Conversations.AsNoTracking()
            .Where(c => c.UserId == userId)
            .OrderByDescending(c => c.UpdatedAt)
            .Select(c => new { c.Id, c.TitleCipher, c.Pinned, c.UpdatedAt })
            .ToListAsync(cancellationToken);
        var result = new List<ConversationSummary>(rows.Count);
        foreach (var row in rows)
        {
            // Titles are encrypted, so the search runs here, over the owner's own rows only.
            var title = await cipher.DecryptStringAsync(userId, ContentPurpose.ConversationTitle, row.TitleCipher, cancellationToken);
            if (string.IsNullOrWhiteSpace(search) || title.Contains(search.Trim(), StringComparison.CurrentCultureIgnoreCase))
            {
                result.Add(new ConversationSummary(row.Id, title, row.Pinned, row.UpdatedAt));
            }
        }
        return [.. result.OrderByDescending(c => c.Pinned).ThenByDescending(c => c.UpdatedAt)];
    }

    /// <summary>The conversation with its messages, or null when it does not exist or belongs to someone else.</summary>
    public async Task<ConversationView?> GetAsync(string userId, Guid conversationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var conversation = await db.Conversations.AsNoTracking()
            .Include(c => c.Messages)
            .FirstOrDefaultAsync(c => c.Id == conversationId && c.UserId == userId, cancellationToken);
        if (conversation is null)
        {
            return null;
        }
        var children = conversation.Messages.ToLookup(m => m.ParentId);
        var path = ConversationTree.ActivePath(conversation.Messages);
        var messages = new List<ChatMessageView>(path.Count);
        foreach (var m in path)
        {
            messages.Add(await ViewAsync(userId, m, children, cancellationToken));
        }
        var onPath = path.Select(m => m.Id).ToHashSet();
        var others = new List<ChatMessageView>();
        foreach (var m in conversation.Messages.Where(m => !onPath.Contains(m.Id)).OrderBy(m => m.Ordinal).ThenBy(m => m.CreatedAt).ThenBy(m => m.Id))
        {
            others.Add(await ViewAsync(userId, m, children, cancellationToken));
        }
        var settings = new ChatSettings
        {
            ModelId = conversation.ModelId,
            SystemPrompt = conversation.SystemPromptCipher is { } system ? await cipher.DecryptStringAsync(userId, ContentPurpose.SystemPrompt, system, cancellationToken) : "",
            Temperature = conversation.Temperature,
            TopP = conversation.TopP,
            MaxTokens = conversation.MaxTokens,
            Seed = conversation.Seed,
            // A collection deleted since drops out.
            CollectionIds = await KnowledgeLinks.OwnedAsync(db, userId, KnowledgeLinks.Parse(conversation.CollectionIds), cancellationToken),
        };
        var title = await cipher.DecryptStringAsync(userId, ContentPurpose.ConversationTitle, conversation.TitleCipher, cancellationToken);
        return new ConversationView(conversation.Id, title, conversation.Pinned, settings, messages, conversation.CreatedAt, conversation.UpdatedAt) { OtherVersions = others };
    }

    private async Task<ChatMessageView> ViewAsync(string userId, ConversationMessage m, ILookup<Guid?, ConversationMessage> children, CancellationToken cancellationToken)
    {
        var content = await cipher.DecryptStringAsync(userId, ContentPurpose.Message, m.ContentCipher, cancellationToken);
        var view = ChatMessageView.FromStored(m.Id, m.Ordinal, m.Role, content, m.ModelId, m.InputTokens, m.OutputTokens, m.Incomplete, m.FinishReason, m.Cost, m.CreatedAt)
            with { ParentId = m.ParentId, Versions = [.. ConversationTree.Versions(children, m.ParentId).Select(v => v.Id)] };
        if (m.CitationsCipher is { } citations)
        {
            view = view with { Citations = KnowledgeCitations.Deserialize(await cipher.DecryptStringAsync(userId, ContentPurpose.MessageCitations, citations, cancellationToken)) };
        }
        return view;
    }

    /// <summary>Shows another version of a message (and the messages that follow it); false when it is not the user's.</summary>
    public async Task<bool> SelectVersionAsync(string userId, Guid conversationId, Guid messageId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var target = await db.ConversationMessages
            .Where(m => m.Id == messageId && m.ConversationId == conversationId && db.Conversations.Any(c => c.Id == conversationId && c.UserId == userId))
            .Select(m => new { m.ParentId }).FirstOrDefaultAsync(cancellationToken);
        if (target is null)
        {
            return false;
        }
        var parentId = target.ParentId;
        await db.ConversationMessages.Where(m => m.ConversationId == conversationId && m.ParentId == parentId)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Selected, m => m.Id == messageId), cancellationToken);
        return true;
    }

    public async Task<bool> RenameAsync(string userId, Guid conversationId, string title, CancellationToken cancellationToken = default)
    {
        title = NormalizeTitle(title, options.Value.MaxTitleCharacters);
        if (title.Length == 0)
        {
            throw new ChatInputException("The title must not be empty.");
        }
        var cipherText = await cipher.EncryptStringAsync(userId, ContentPurpose.ConversationTitle, title, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Conversations.Where(c => c.Id == conversationId && c.UserId == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.TitleCipher, cipherText), cancellationToken) == 1;
    }

    /// <summary>Stores the conversation's model, system prompt and sampling settings without sending a message.</summary>
    public async Task<bool> SaveSettingsAsync(string userId, Guid conversationId, ChatSettings settings, CancellationToken cancellationToken = default)
    {
        if (settings.SystemPrompt.Length > options.Value.MaxSystemPromptCharacters)
        {
            throw new ChatInputException("The system prompt is too long.");
        }
        if (!float.IsFinite(settings.Temperature) || settings.Temperature is < 0 or > 2
            || !float.IsFinite(settings.TopP) || settings.TopP is <= 0 or > 1
            || settings.MaxTokens is < 1 or > 32_768)
        {
            throw new ChatInputException("The sampling settings are out of range.");
        }
        var systemPrompt = string.IsNullOrEmpty(settings.SystemPrompt)
            ? null
            : await cipher.EncryptStringAsync(userId, ContentPurpose.SystemPrompt, settings.SystemPrompt, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Only the user's own collections are kept; another user's id is dropped like a deleted one.
        var collections = KnowledgeLinks.Format(await KnowledgeLinks.OwnedAsync(db, userId, settings.CollectionIds, cancellationToken));
        return await db.Conversations.Where(c => c.Id == conversationId && c.UserId == userId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.CollectionIds, collections)
                .SetProperty(c => c.ModelId, settings.ModelId)
                .SetProperty(c => c.SystemPromptCipher, systemPrompt)
                .SetProperty(c => c.Temperature, settings.Temperature)
                .SetProperty(c => c.TopP, settings.TopP)
                .SetProperty(c => c.MaxTokens, settings.MaxTokens)
                .SetProperty(c => c.Seed, settings.Seed), cancellationToken) == 1;
    }

    public async Task<bool> SetPinnedAsync(string userId, Guid conversationId, bool pinned, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Conversations.Where(c => c.Id == conversationId && c.UserId == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Pinned, pinned), cancellationToken) == 1;
    }

    /// <summary>Deletes the conversation and its messages (cascade).</summary>
    public async Task<bool> DeleteAsync(string userId, Guid conversationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.Id == conversationId && c.UserId == userId, cancellationToken);
        if (conversation is null)
        {
            return false;
        }
        db.Conversations.Remove(conversation);
        db.AuditEntries.Add(audit.Create(userId, userId, Privacy.AuditActions.ConversationDeleted, $"conversation {conversationId}"));
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<ChatPresetView>> ListPresetsAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ChatPresets.AsNoTracking().Where(p => p.UserId == userId).ToListAsync(cancellationToken);
        var result = new List<ChatPresetView>(rows.Count);
        foreach (var p in rows.OrderBy(p => p.CreatedAt))
        {
            result.Add(new ChatPresetView(
                p.Id,
                await cipher.DecryptStringAsync(userId, ContentPurpose.PresetName, p.NameCipher, cancellationToken),
                await cipher.DecryptStringAsync(userId, ContentPurpose.PresetPrompt, p.SystemPromptCipher, cancellationToken),
                p.Temperature, p.TopP, p.MaxTokens, await KnowledgeLinks.OwnedAsync(db, userId, KnowledgeLinks.Parse(p.CollectionIds), cancellationToken)));
        }
        return [.. result.OrderBy(p => p.Name, StringComparer.CurrentCultureIgnoreCase)];
    }

    public async Task<ChatPresetView> SavePresetAsync(string userId, string name, ChatSettings settings, CancellationToken cancellationToken = default)
    {
        name = NormalizeTitle(name, options.Value.MaxTitleCharacters);
        if (name.Length == 0)
        {
            throw new ChatInputException("The preset needs a name.");
        }
        if (settings.SystemPrompt.Length > options.Value.MaxSystemPromptCharacters)
        {
            throw new ChatInputException("The system prompt is too long.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var collections = await KnowledgeLinks.OwnedAsync(db, userId, settings.CollectionIds, cancellationToken);
        var preset = new ChatPreset
        {
            UserId = userId,
            NameCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.PresetName, name, cancellationToken),
            SystemPromptCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.PresetPrompt, settings.SystemPrompt, cancellationToken),
            Temperature = settings.Temperature,
            TopP = settings.TopP,
            MaxTokens = settings.MaxTokens,
            CollectionIds = KnowledgeLinks.Format(collections),
            CreatedAt = time.GetUtcNow(),
        };
        db.ChatPresets.Add(preset);
        await db.SaveChangesAsync(cancellationToken);
        return new ChatPresetView(preset.Id, name, settings.SystemPrompt, preset.Temperature, preset.TopP, preset.MaxTokens, collections);
    }

    public async Task<bool> DeletePresetAsync(string userId, Guid presetId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ChatPresets.Where(p => p.Id == presetId && p.UserId == userId).ExecuteDeleteAsync(cancellationToken) == 1;
    }

    /// <summary>One line, trimmed and cut to <paramref name="max"/> characters.</summary>
    public static string NormalizeTitle(string text, int max)
    {
        var line = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= max ? line : line[..(max - 1)].TrimEnd() + "…";
    }
}
