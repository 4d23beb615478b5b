namespace PromptLeo.Web.Resources;

/// <summary>Marker for the chat feature's strings (Features/Chat). Keys are the English text.</summary>
public sealed class ChatResource;
