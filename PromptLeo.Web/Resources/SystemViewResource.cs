namespace PromptLeo.Web.Resources;

/// <summary>Marker for the admin system view's strings (nodes, charts). Keys are the English text.</summary>
public sealed class SystemViewResource;
