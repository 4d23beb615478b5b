using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Localization;
using PromptLeo.Web.Resources;
using PromptLeo.Web.Features.Hosting;

namespace PromptLeo.Web.Features.Chat;

/// <summary><c>GET /chat/{id}/export?format=md|json</c>: one conversation as a download, for its owner only.</summary>
public static class ChatExportEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static IEndpointRouteBuilder MapPromptLeoChat(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/chat").RequireAuthorization().MapGet("/{id:guid}/export", ExportAsync);
        return endpoints;
    }

    private static async Task<Results<FileContentHttpResult, NotFound, BadRequest<string>>> ExportAsync(
        Guid id, string? format, ClaimsPrincipal user, HttpContext http, ConversationStore store, IStringLocalizer<ChatResource> t, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        http.Response.NoStore();
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        format = (format ?? "md").ToLowerInvariant();
        if (format is not ("md" or "json"))
        {
            return TypedResults.BadRequest("format must be md or json");
        }
        // Unknown and foreign ids answer the same 404, so an id reveals nothing.
        var conversation = userId is null ? null : await store.GetAsync(userId, id, cancellationToken);
        if (conversation is null)
        {
            return TypedResults.NotFound();
        }
        loggers.CreateLogger(typeof(ChatExportEndpoints)).LogInformation("Conversation {ConversationId} exported as {Format} by {UserId}", id, format, userId);
        return format == "json"
            ? TypedResults.File(JsonSerializer.SerializeToUtf8Bytes(ToJson(conversation), Json), "application/json", $"chat-{id}.json")
            : TypedResults.File(Encoding.UTF8.GetBytes(ToMarkdown(conversation, t)), "text/markdown; charset=utf-8", $"chat-{id}.md");
    }

    private static object ToJson(ConversationView c) => new
    {
        c.Id,
        c.Title,
        Model = c.Settings.ModelId,
        c.Settings.SystemPrompt,
        c.Settings.Temperature,
        c.Settings.TopP,
        c.Settings.MaxTokens,
        c.Settings.Seed,
        c.CreatedAt,
        c.UpdatedAt,
        Messages = c.Messages.Select(MessageJson),
        // Earlier edits and regenerated answers with what followed them; parentId links each to the message it follows.
        OtherVersions = c.OtherVersions.Select(MessageJson),
    };

    private static object MessageJson(ChatMessageView m) => new
    {
        m.Id,
        m.ParentId,
        Version = m.VersionNumber,
        Versions = m.VersionCount,
        m.Role,
        m.Content,
        m.Thinking,
        m.ModelId,
        m.InputTokens,
        m.OutputTokens,
        m.Incomplete,
        m.FinishReason,
        m.Cost,
        m.CreatedAt,
    };

    /// <summary>The conversation as Markdown, its headings in the requester's language (the request culture).</summary>
    public static string ToMarkdown(ConversationView c, IStringLocalizer t)
    {
        var md = new StringBuilder();
        md.Append("# ").AppendLine(c.Title).AppendLine();
        md.Append("- ").Append(t["Model"]).Append(": ").AppendLine(c.Settings.ModelId ?? "-");
        md.Append("- ").Append(t["Created"]).Append(": ").AppendLine(c.CreatedAt.ToString("u"));
        if (!string.IsNullOrWhiteSpace(c.Settings.SystemPrompt))
        {
            md.AppendLine().Append("## ").AppendLine(t["System prompt"]).AppendLine().AppendLine(c.Settings.SystemPrompt);
        }
        foreach (var m in c.Messages)
        {
            AppendMessage(md, m, "## ", t);
        }
        if (c.OtherVersions.Count > 0)
        {
            md.AppendLine().Append("## ").AppendLine(t["Other versions"]);
            foreach (var m in c.OtherVersions)
            {
                AppendMessage(md, m, "### ", t);
            }
        }
        return md.ToString();
    }

    /// <summary>One message under a heading naming its role, its place ("message 3") and version ("version 1 of 2") where it has several.</summary>
    private static void AppendMessage(StringBuilder md, ChatMessageView m, string heading, IStringLocalizer t)
    {
        md.AppendLine().Append(heading).Append(m.IsUser ? t["User"] : t["Assistant"]);
        if (m.VersionCount > 1)
        {
            md.Append(" · ").Append(t["message {0}, version {1} of {2}", m.Ordinal + 1, m.VersionNumber, m.VersionCount]);
        }
        if (m.Incomplete)
        {
            md.Append(' ').Append(t["(incomplete)"]);
        }
        md.AppendLine().AppendLine();
        if (m.Thinking is { Length: > 0 } thinking)
        {
            // Collapsed where Markdown renders HTML, as in the chat.
            md.Append("<details><summary>").Append(t["Thinking"]).AppendLine("</summary>").AppendLine().AppendLine(thinking).AppendLine().AppendLine("</details>").AppendLine();
        }
        md.AppendLine(m.Content);
    }
}
