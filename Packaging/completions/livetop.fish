function __livetop_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __livetop_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __livetop_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __livetop_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __livetop_parse_tokens -S
    set -l unparsed_tokens (__livetop_tokens -pc)
    switch $unparsed_tokens[1]
    case 'livetop'
        __livetop_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'watch'
            __livetop_parse_subcommand -r 1 'protocol=+' 'origin=' 'send=+' 'send-file=+' 'exit-on-close' 'no-deflate' 'socketio-path=' 'socketio-auth=' 'send-event=+' 'H/header=+' 'bearer-env=' 'cacert=' 'insecure' 'proxy=' 'no-proxy' 'connect-timeout=' 'retry-max=' 'retry-min=' 'transport=' 'sse-url=' 'poll-url=' 'poll-cursor=' 'poll-items=' 'upgrade-retry=' 'ping=' 'ping-timeout=' 'max-message=' 'every=' 'timeout=' 'restart' 'parse=' 'expect=' 'headless' 'emit=' 'max-messages=' 'fps=' 'ascii' 'no-mouse' 'fold=' 'select=' 'max-keys=' 'since=' 'last=' 'layout=' 'exit-on-alert' 'print-layout' 'log-file=' 'record=' 'version' 'h/help'
        case 'demo'
            __livetop_parse_subcommand 0 'headless' 'emit=' 'max-messages=' 'fps=' 'ascii' 'no-mouse' 'fold=' 'select=' 'max-keys=' 'since=' 'last=' 'protocol=+' 'origin=' 'send=+' 'send-file=+' 'exit-on-close' 'no-deflate' 'socketio-path=' 'socketio-auth=' 'send-event=+' 'H/header=+' 'bearer-env=' 'cacert=' 'insecure' 'proxy=' 'no-proxy' 'connect-timeout=' 'retry-max=' 'retry-min=' 'transport=' 'sse-url=' 'poll-url=' 'poll-cursor=' 'poll-items=' 'upgrade-retry=' 'ping=' 'ping-timeout=' 'max-message=' 'log-file=' 'record=' 'layout=' 'exit-on-alert' 'auto-layout' 'chaos' 'rate=' 'seed=' 'version' 'h/help'
        case 'serve'
            __livetop_parse_subcommand 0 'port=' 'bind=' 'buffer=' 'version' 'h/help'
        case 'publish'
            __livetop_parse_subcommand 1 'rate-limit=' 'window=' 'grace=' 'H/header=+' 'bearer-env=' 'cacert=' 'insecure' 'proxy=' 'no-proxy' 'connect-timeout=' 'retry-max=' 'retry-min=' 'version' 'h/help'
        case 'replay'
            __livetop_parse_subcommand 1 'speed=' 'headless' 'emit=' 'max-messages=' 'fps=' 'ascii' 'no-mouse' 'fold=' 'select=' 'max-keys=' 'since=' 'last=' 'layout=' 'exit-on-alert' 'version' 'h/help'
        case 'help'
            __livetop_parse_subcommand -r 1 'version'
        end
    end
end

function __livetop_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __livetop_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __livetop_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __livetop_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__livetop_tokens -p)
    if test -z "$(__livetop_tokens -t)"
        set -l index (count (__livetop_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'livetop' -f
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop" version' -l 'version' -d 'Show the version.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_positional "livetop" -eq 1' -fa 'watch' -d 'Connect to a live feed and show it (the default command).'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_positional "livetop" -eq 1' -fa 'demo' -d 'Watch a simulated feed (host metrics, services, events) served in-process on 127.0.0.1.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_positional "livetop" -eq 1' -fa 'serve' -d 'Publish stdin, one message per line, over WebSocket, SSE and long-poll.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_positional "livetop" -eq 1' -fa 'publish' -d 'Publish stdin, one message per line, to an Nchan publisher endpoint or a Redis channel.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_positional "livetop" -eq 1' -fa 'replay' -d 'Play back a recording made with --record (or saved --headless output).'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_positional "livetop" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch"' -l 'protocol' -d 'A WebSocket subprotocol to offer (repeatable).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" origin' -l 'origin' -d 'The Origin header.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch"' -l 'send' -d 'A text message to send after every connect and reconnect (repeatable, in order).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch"' -l 'send-file' -d 'Send this file\'s contents after every connect, after the --send messages (repeatable).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" exit-on-close' -l 'exit-on-close' -d 'End when the connection ends instead of reconnecting: exit 0 after a normal close, 1 after an error.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" no-deflate' -l 'no-deflate' -d 'Do not offer permessage-deflate compression on WebSocket connections.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" socketio-path' -l 'socketio-path' -d 'Where a Socket.IO server answers (default /socket.io/).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" socketio-auth' -l 'socketio-auth' -d 'The Socket.IO namespace\'s auth payload (JSON), sent with every connect.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch"' -l 'send-event' -d 'Emit a Socket.IO event after every connect and reconnect: \'NAME JSON\', one value (repeatable).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch"' -s 'H' -l 'header' -d 'A request header, \'Name: value\' (repeatable).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" bearer-env' -l 'bearer-env' -d 'Send \'Authorization: Bearer <value of VAR>\'; the token is never printed.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" cacert' -l 'cacert' -d 'Trust the certificates in this PEM file, besides the system\'s.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" insecure' -l 'insecure' -d 'Do not verify TLS certificates (dangerous; says so on stderr).'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" proxy' -l 'proxy' -d 'Go through this proxy: http://[user:pass@]host:port (CONNECT), socks5://host:port or socks5h://host:port (default: https_proxy, http_proxy, all_proxy and no_proxy as curl reads them).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" no-proxy' -l 'no-proxy' -d 'Connect directly, whatever the proxy environment variables say.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" connect-timeout' -l 'connect-timeout' -d 'Limit for connecting: TCP, a proxy, TLS and any WebSocket upgrade together.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" retry-max' -l 'retry-max' -d 'The longest wait before trying again (reconnecting, or sending again), reached after a while of failing (waits are random below a bound that grows with the time spent failing).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" retry-min' -l 'retry-min' -d 'The bound on the first wait after a connection is lost or a send failed.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" transport' -l 'transport' -d 'auto (WebSocket, falling back to SSE or a JSON stream, then long-poll), websocket, sse, stream, longpoll or poll (a plain REST resource, every --every).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" sse-url' -l 'sse-url' -d 'Where SSE goes when it is used (default: the feed URL over http(s)).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" poll-url' -l 'poll-url' -d 'Where long-poll goes when it is used (default: the feed URL over http(s)).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" poll-cursor' -l 'poll-cursor' -d 'How the long-poll (or stream) cursor travels: validators (Last-Modified/Etag, as Nchan), query:NAME,header:HEADER or query:NAME,body:/POINTER (default: whatever the server shows).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" poll-items' -l 'poll-items' -d 'Where the messages are in a long-poll body (a JSON pointer such as /results).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" upgrade-retry' -l 'upgrade-retry' -d 'While on a fallback, try WebSocket again every N seconds (0: never).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" ping' -l 'ping' -d 'Ping every N seconds; 0 turns pings off.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" ping-timeout' -l 'ping-timeout' -d 'A connection that answers nothing within N seconds of a ping is dead.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" max-message' -l 'max-message' -d 'Largest message accepted, in bytes (K, M, G suffixes; at most 1G); a larger one closes with 1009.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" every' -l 'every' -d 'With a command: run it every interval (2s, 500ms, 1m), its whole output one message (as sampler samples). With an http(s) URL that answers at once: poll it that often (default 1s).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" timeout' -l 'timeout' -d 'With --every: a run still going after this is killed with its process group (default: twice --every, at least 10s).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" restart' -l 'restart' -d 'A command that exits is run again (on the reconnect backoff) instead of ending the source.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" parse' -l 'parse' -d 'How text that is not JSON becomes fields: auto, json, logfmt, columns, prometheus or text.' -rfka 'auto json logfmt columns prometheus text'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" expect' -l 'expect' -d 'The source should speak at least this often (5s); longer silence shows it stale.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" headless' -l 'headless' -d 'Print JSON lines instead of the dashboard (the default when stdout is not a terminal).'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" emit' -l 'emit' -d 'With --headless: \'all\' (state and message lines) or \'messages\' (only each message\'s data).' -rfka 'all messages'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" max-messages' -l 'max-messages' -d 'End after this many messages (exit 0).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" fps' -l 'fps' -d 'Dashboard frames per second at most.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" ascii' -l 'ascii' -d 'Draw the dashboard with ASCII only (also automatic without a UTF-8 locale).'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" no-mouse' -l 'no-mouse' -d 'Leave the mouse to the terminal (its own selection): no clicks or wheel on the dashboard.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" fold' -l 'fold' -d 'How each message changes the document: merge, replace, append or upsert:/POINTER (default merge; replace for a command run --every, whose each run is the whole picture).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" select' -l 'select' -d 'Fold only the part of each message at this JSON pointer, e.g. /data.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" max-keys' -l 'max-keys' -d 'Keys the dashboard\'s store keeps per source (default 120000: 10,000 hosts of 10 fields); beyond it the least recently updated are evicted, and the status line says how many.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" since' -l 'since' -d 'Skip messages the server says are older than this when they arrive (5m, 30s): its backlog from before then. Messages that carry no server time are always shown.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" last' -l 'last' -d 'Of the backlog a server sends a new subscriber, show only the newest N (0: none, now only). Asks the server with ?last=N (livetop serve reads it) and keeps the newest N of the first burst.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" layout' -l 'layout' -d 'A layout file (YAML): sources, panels in rows, thresholds and alerts. \'L\' reloads it.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" exit-on-alert' -l 'exit-on-alert' -d 'End with exit status 3 as soon as an alert is raised (for scripts and CI checks).'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" print-layout' -l 'print-layout' -d 'Connect, wait for the first messages, and print the layout file the automatic layout would use (YAML).'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" log-file' -l 'log-file' -d 'Write the link\'s log (connects, errors, fallbacks) to this file.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" record' -l 'record' -d 'Write every message and state change to this file as JSON lines, for \'livetop replay\'.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" version' -l 'version' -d 'Show the version.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop watch" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" headless' -l 'headless' -d 'Print JSON lines instead of the dashboard (the default when stdout is not a terminal).'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" emit' -l 'emit' -d 'With --headless: \'all\' (state and message lines) or \'messages\' (only each message\'s data).' -rfka 'all messages'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" max-messages' -l 'max-messages' -d 'End after this many messages (exit 0).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" fps' -l 'fps' -d 'Dashboard frames per second at most.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" ascii' -l 'ascii' -d 'Draw the dashboard with ASCII only (also automatic without a UTF-8 locale).'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" no-mouse' -l 'no-mouse' -d 'Leave the mouse to the terminal (its own selection): no clicks or wheel on the dashboard.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" fold' -l 'fold' -d 'How each message changes the document: merge, replace, append or upsert:/POINTER (default merge; replace for a command run --every, whose each run is the whole picture).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" select' -l 'select' -d 'Fold only the part of each message at this JSON pointer, e.g. /data.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" max-keys' -l 'max-keys' -d 'Keys the dashboard\'s store keeps per source (default 120000: 10,000 hosts of 10 fields); beyond it the least recently updated are evicted, and the status line says how many.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" since' -l 'since' -d 'Skip messages the server says are older than this when they arrive (5m, 30s): its backlog from before then. Messages that carry no server time are always shown.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" last' -l 'last' -d 'Of the backlog a server sends a new subscriber, show only the newest N (0: none, now only). Asks the server with ?last=N (livetop serve reads it) and keeps the newest N of the first burst.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo"' -l 'protocol' -d 'A WebSocket subprotocol to offer (repeatable).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" origin' -l 'origin' -d 'The Origin header.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo"' -l 'send' -d 'A text message to send after every connect and reconnect (repeatable, in order).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo"' -l 'send-file' -d 'Send this file\'s contents after every connect, after the --send messages (repeatable).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" exit-on-close' -l 'exit-on-close' -d 'End when the connection ends instead of reconnecting: exit 0 after a normal close, 1 after an error.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" no-deflate' -l 'no-deflate' -d 'Do not offer permessage-deflate compression on WebSocket connections.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" socketio-path' -l 'socketio-path' -d 'Where a Socket.IO server answers (default /socket.io/).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" socketio-auth' -l 'socketio-auth' -d 'The Socket.IO namespace\'s auth payload (JSON), sent with every connect.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo"' -l 'send-event' -d 'Emit a Socket.IO event after every connect and reconnect: \'NAME JSON\', one value (repeatable).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo"' -s 'H' -l 'header' -d 'A request header, \'Name: value\' (repeatable).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" bearer-env' -l 'bearer-env' -d 'Send \'Authorization: Bearer <value of VAR>\'; the token is never printed.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" cacert' -l 'cacert' -d 'Trust the certificates in this PEM file, besides the system\'s.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" insecure' -l 'insecure' -d 'Do not verify TLS certificates (dangerous; says so on stderr).'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" proxy' -l 'proxy' -d 'Go through this proxy: http://[user:pass@]host:port (CONNECT), socks5://host:port or socks5h://host:port (default: https_proxy, http_proxy, all_proxy and no_proxy as curl reads them).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" no-proxy' -l 'no-proxy' -d 'Connect directly, whatever the proxy environment variables say.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" connect-timeout' -l 'connect-timeout' -d 'Limit for connecting: TCP, a proxy, TLS and any WebSocket upgrade together.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" retry-max' -l 'retry-max' -d 'The longest wait before trying again (reconnecting, or sending again), reached after a while of failing (waits are random below a bound that grows with the time spent failing).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" retry-min' -l 'retry-min' -d 'The bound on the first wait after a connection is lost or a send failed.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" transport' -l 'transport' -d 'auto (WebSocket, falling back to SSE or a JSON stream, then long-poll), websocket, sse, stream, longpoll or poll (a plain REST resource, every --every).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" sse-url' -l 'sse-url' -d 'Where SSE goes when it is used (default: the feed URL over http(s)).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" poll-url' -l 'poll-url' -d 'Where long-poll goes when it is used (default: the feed URL over http(s)).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" poll-cursor' -l 'poll-cursor' -d 'How the long-poll (or stream) cursor travels: validators (Last-Modified/Etag, as Nchan), query:NAME,header:HEADER or query:NAME,body:/POINTER (default: whatever the server shows).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" poll-items' -l 'poll-items' -d 'Where the messages are in a long-poll body (a JSON pointer such as /results).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" upgrade-retry' -l 'upgrade-retry' -d 'While on a fallback, try WebSocket again every N seconds (0: never).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" ping' -l 'ping' -d 'Ping every N seconds; 0 turns pings off.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" ping-timeout' -l 'ping-timeout' -d 'A connection that answers nothing within N seconds of a ping is dead.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" max-message' -l 'max-message' -d 'Largest message accepted, in bytes (K, M, G suffixes; at most 1G); a larger one closes with 1009.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" log-file' -l 'log-file' -d 'Write the link\'s log (connects, errors, fallbacks) to this file.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" record' -l 'record' -d 'Write every message and state change to this file as JSON lines, for \'livetop replay\'.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" layout' -l 'layout' -d 'A layout file (YAML): sources, panels in rows, thresholds and alerts. \'L\' reloads it.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" exit-on-alert' -l 'exit-on-alert' -d 'End with exit status 3 as soon as an alert is raised (for scripts and CI checks).'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" auto-layout' -l 'auto-layout' -d 'Derive the panels from the data (the automatic layout) instead of the demo\'s own layout.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" chaos' -l 'chaos' -d 'Drop connections, refuse upgrades and stall the feed now and then.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" rate' -l 'rate' -d 'Feed updates a second.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" seed' -l 'seed' -d 'Seed for the simulated feed and the chaos (default: the time).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" version' -l 'version' -d 'Show the version.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop demo" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop serve" port' -l 'port' -d 'The port to listen on (0 picks a free one); the address is printed on stderr.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop serve" bind' -l 'bind' -d 'The address to listen on. Anything but loopback exposes the feed to the network.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop serve" buffer' -l 'buffer' -d 'Lines kept for late subscribers and for SSE and long-poll to resume from; 0: no backlog, a subscriber gets only what comes after it connects.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop serve" version' -l 'version' -d 'Show the version.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop publish" rate-limit' -l 'rate-limit' -d 'At most this many lines a second (on average; bursts of a tenth of a second\'s worth).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop publish" window' -l 'window' -d 'Requests in flight before their answers come back (pipelining depth).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop publish" grace' -l 'grace' -d 'How long SIGINT or SIGTERM waits for what was sent to be acknowledged.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop publish"' -s 'H' -l 'header' -d 'A request header, \'Name: value\' (repeatable).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop publish" bearer-env' -l 'bearer-env' -d 'Send \'Authorization: Bearer <value of VAR>\'; the token is never printed.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop publish" cacert' -l 'cacert' -d 'Trust the certificates in this PEM file, besides the system\'s.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop publish" insecure' -l 'insecure' -d 'Do not verify TLS certificates (dangerous; says so on stderr).'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop publish" proxy' -l 'proxy' -d 'Go through this proxy: http://[user:pass@]host:port (CONNECT), socks5://host:port or socks5h://host:port (default: https_proxy, http_proxy, all_proxy and no_proxy as curl reads them).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop publish" no-proxy' -l 'no-proxy' -d 'Connect directly, whatever the proxy environment variables say.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop publish" connect-timeout' -l 'connect-timeout' -d 'Limit for connecting: TCP, a proxy, TLS and any WebSocket upgrade together.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop publish" retry-max' -l 'retry-max' -d 'The longest wait before trying again (reconnecting, or sending again), reached after a while of failing (waits are random below a bound that grows with the time spent failing).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop publish" retry-min' -l 'retry-min' -d 'The bound on the first wait after a connection is lost or a send failed.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop publish" version' -l 'version' -d 'Show the version.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop publish" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop replay" speed' -l 'speed' -d 'Times the recorded pace: 1 as recorded, 10 ten times faster, 0 as fast as possible.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop replay" headless' -l 'headless' -d 'Print JSON lines instead of the dashboard (the default when stdout is not a terminal).'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop replay" emit' -l 'emit' -d 'With --headless: \'all\' (state and message lines) or \'messages\' (only each message\'s data).' -rfka 'all messages'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop replay" max-messages' -l 'max-messages' -d 'End after this many messages (exit 0).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop replay" fps' -l 'fps' -d 'Dashboard frames per second at most.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop replay" ascii' -l 'ascii' -d 'Draw the dashboard with ASCII only (also automatic without a UTF-8 locale).'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop replay" no-mouse' -l 'no-mouse' -d 'Leave the mouse to the terminal (its own selection): no clicks or wheel on the dashboard.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop replay" fold' -l 'fold' -d 'How each message changes the document: merge, replace, append or upsert:/POINTER (default merge; replace for a command run --every, whose each run is the whole picture).' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop replay" select' -l 'select' -d 'Fold only the part of each message at this JSON pointer, e.g. /data.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop replay" max-keys' -l 'max-keys' -d 'Keys the dashboard\'s store keeps per source (default 120000: 10,000 hosts of 10 fields); beyond it the least recently updated are evicted, and the status line says how many.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop replay" since' -l 'since' -d 'Skip messages the server says are older than this when they arrive (5m, 30s): its backlog from before then. Messages that carry no server time are always shown.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop replay" last' -l 'last' -d 'Of the backlog a server sends a new subscriber, show only the newest N (0: none, now only). Asks the server with ?last=N (livetop serve reads it) and keeps the newest N of the first burst.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop replay" layout' -l 'layout' -d 'A layout file (YAML): sources, panels in rows, thresholds and alerts. \'L\' reloads it.' -rfka ''
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop replay" exit-on-alert' -l 'exit-on-alert' -d 'End with exit status 3 as soon as an alert is raised (for scripts and CI checks).'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop replay" version' -l 'version' -d 'Show the version.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop replay" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'livetop' -n '__livetop_should_offer_completions_for_flags_or_options "livetop help" version' -l 'version' -d 'Show the version.'
