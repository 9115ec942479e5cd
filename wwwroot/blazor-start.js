// Starts Blazor (App.razor loads blazor.web.js with autostart="false") with the circuit's WebSocket opened directly:
// skipNegotiation saves SignalR's negotiate POST, a round trip before every page's circuit could start (the Rules page's
// first usable row waits for it). Safe here: the WebSocket GET on /_blazor carries the same cookie and passes the same
// Origin check as the negotiate did (Access/CrossSiteProtection.cs), and a reconnect builds its connection through this
// same function. The cost: no fallback to Server-Sent Events or long polling for a proxy that refuses WebSockets, which
// a Blazor Server circuit is not usable over anyway.
// transport 1 = HttpTransportType.WebSockets (@microsoft/signalr); Blazor calls configureSignalR after its own
// withUrl("_blazor"), so this withUrl replaces it (blazor.web.js, startConnection).
Blazor.start({
    circuit: {
        configureSignalR: builder => builder.withUrl('_blazor', { skipNegotiation: true, transport: 1 }),
    },
});
