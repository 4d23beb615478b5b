using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Chat;

/// <summary>
/// Chat's part in the Art. 15/20 export: conversations with all their messages (decrypted; every version, linked by
/// <c>parentId</c>, <c>selected</c> marking the versions on the active path) and presets.
/// </summary>
public sealed class ChatExportContributor(UserContentCipher cipher) : IExportContributor
{
    /// <summary>One step per conversation, one for the presets.</summary>
    public async Task<int> CountStepsAsync(AppDbContext db, string userId, CancellationToken cancellationToken) =>
        await db.Conversations.CountAsync(c => c.UserId == userId, cancellationToken) + 1;

    public async Task<IReadOnlyDictionary<string, int>> WriteAsync(ExportArchive archive, AppDbContext db, CancellationToken cancellationToken)
    {
        var userId = archive.UserId;
        var counts = new Dictionary<string, int>();
        var conversationIds = await db.Conversations.Where(c => c.UserId == userId).OrderBy(c => c.CreatedAt).Select(c => c.Id).ToListAsync(cancellationToken);
        counts["conversations"] = conversationIds.Count;
        counts["messages"] = 0;
        await archive.WriteJsonAsync("conversations.json", async w =>
        {
            w.WriteStartArray();
            foreach (var id in conversationIds)
            {
                // One conversation at a time, untracked: memory stays bounded by the largest conversation.
                var c = await db.Conversations.AsNoTracking().Include(x => x.Messages).FirstAsync(x => x.Id == id, cancellationToken);
                w.WriteStartObject();
                w.WriteString("id", c.Id);
                w.WriteString("title", await cipher.DecryptStringAsync(userId, ContentPurpose.ConversationTitle, c.TitleCipher, cancellationToken));
                w.WriteString("systemPrompt", c.SystemPromptCipher is null ? null : await cipher.DecryptStringAsync(userId, ContentPurpose.SystemPrompt, c.SystemPromptCipher, cancellationToken));
                w.WriteString("model", c.ModelId);
                w.WriteBoolean("pinned", c.Pinned);
                w.WriteString("createdAt", c.CreatedAt);
                w.WriteString("updatedAt", c.UpdatedAt);
                w.WriteStartArray("messages");
                var onPath = ConversationTree.ActivePath(c.Messages).Select(m => m.Id).ToHashSet();
                foreach (var m in c.Messages.OrderBy(m => m.Ordinal).ThenBy(m => m.CreatedAt).ThenBy(m => m.Id))
                {
                    w.WriteStartObject();
                    w.WriteString("id", m.Id);
                    if (m.ParentId is { } parentId)
                    {
                        w.WriteString("parentId", parentId);
                    }
                    else
                    {
                        w.WriteNull("parentId");
                    }
                    w.WriteBoolean("activePath", onPath.Contains(m.Id));
                    w.WriteString("role", m.Role);
                    var text = await cipher.DecryptStringAsync(userId, ContentPurpose.Message, m.ContentCipher, cancellationToken);
                    var (thinking, content) = ChatAnswerText.SplitMessage(m.Role, text);
                    w.WriteString("content", content);
                    if (thinking is not null)
                    {
                        w.WriteString("thinking", thinking);
                    }
                    w.WriteString("model", m.ModelId);
                    w.WriteNumber("inputTokens", m.InputTokens);
                    w.WriteNumber("outputTokens", m.OutputTokens);
                    w.WriteBoolean("incomplete", m.Incomplete);
                    w.WriteString("requestId", m.RequestId);
                    w.WriteString("createdAt", m.CreatedAt);
                    w.WriteEndObject();
                    counts["messages"]++;
                }
                w.WriteEndArray();
                w.WriteEndObject();
                await w.FlushAsync(cancellationToken);
                await archive.StepAsync();
            }
            w.WriteEndArray();
        });

        var presets = await db.ChatPresets.AsNoTracking().Where(p => p.UserId == userId).ToListAsync(cancellationToken);
        counts["presets"] = presets.Count;
        await archive.WriteJsonAsync("presets.json", async w =>
        {
            w.WriteStartArray();
            foreach (var p in presets)
            {
                w.WriteStartObject();
                w.WriteString("name", await cipher.DecryptStringAsync(userId, ContentPurpose.PresetName, p.NameCipher, cancellationToken));
                w.WriteString("systemPrompt", await cipher.DecryptStringAsync(userId, ContentPurpose.PresetPrompt, p.SystemPromptCipher, cancellationToken));
                w.WriteNumber("temperature", p.Temperature);
                w.WriteNumber("topP", p.TopP);
                w.WriteNumber("maxTokens", p.MaxTokens);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
        await archive.StepAsync();

        return counts;
    }
}
