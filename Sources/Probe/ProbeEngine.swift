import CCurl
import EventLoop
import Glibc

public struct ProbeID: Hashable, Sendable {
    let raw: UInt64
}

/// Runs HTTP checks concurrently on the event loop through libcurl's multi socket interface: curl says which
/// sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to call back (CURLMOPT_TIMERFUNCTION); the loop reports
/// readiness to curl_multi_socket_action. Nothing here blocks, and every completion runs on the loop's thread.
public final class ProbeEngine {
    /// The body prefix kept for the regular expression; reading stops there. Without one no body byte is read.
    public static let bodyLimit = 64 * 1024
    /// The response head accepted (status line and headers); a longer one is the server's protocol error. It is
    /// below libcurl's own limit for a whole head (300 KB), which libcurl reports as a receive error.
    public static let headerLimit = 64 * 1024

    private let loop: EventLoop
    private let multi: UnsafeMutableRawPointer
    private var transfers: [ProbeID: Transfer] = [:]
    /// Easy handles between probes, for the next ones (libcurl's advice: reuse handles). As many are kept as probes
    /// are in flight, and at least `keptIdle`: the pool follows the peak of probes in flight, not the targets.
    private var idle: [Transfer] = []
    static let keptIdle = 16
    /// Handles kept for one https server each, resuming its TLS session (`NetworkCheck.tlsResume`), by
    /// `NetworkCheck.tlsSessionKey`; one is replaced, and with it its sessions, once its check's tls_resume has passed.
    private var sessionHandles: [String: Transfer] = [:]
    /// Handles returned since the last sweep of `sessionHandles` for those of servers no longer probed.
    private var keptSinceSweep = 0
    private var watched: [Int32: EventLoop.WatchID] = [:]
    /// Sockets curl stopped waiting on in this libcurl call: unwatched when curl closes them (the close drops them
    /// from epoll, no system call), else after the call. libcurl closes a socket that never connected without
    /// drcheck's close callback: by then its number may be watched again, by a new socket, hence the watch's ID.
    private var released: [Int32: EventLoop.WatchID] = [:]
    /// UDP checks under way, which libcurl does not run (`DatagramProbe`), by probe.
    private var datagrams: [ProbeID: DatagramProbe] = [:]
    /// tcp checks talking to their server once libcurl connected them (`Conversation`), by probe.
    private var conversations: [ProbeID: Talk] = [:]
    private var curlTimer: EventLoop.TimerID?
    /// Tells a `soon` timeout that a later timer call replaced it.
    private var timerGeneration: UInt64 = 0
    private var nextID: UInt64 = 1

    public init(loop: EventLoop) throws(ProbeSetupError) {
        guard curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK, let multi = curl_multi_init() else {
            throw ProbeSetupError(description: "libcurl initialisation failed")
        }
        self.loop = loop
        self.multi = multi
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = drcheck_multi_setopt_ptr(multi, CURLMOPT_SOCKETDATA, context)
        _ = drcheck_multi_setopt_ptr(multi, CURLMOPT_TIMERDATA, context)
        _ = drcheck_multi_setopt_socket(multi) { _, fd, what, context, _ in
            Unmanaged<ProbeEngine>.fromOpaque(context!).takeUnretainedValue().socketChanged(fd, what)
            return 0
        }
        _ = drcheck_multi_setopt_timer(multi) { _, milliseconds, context in
            Unmanaged<ProbeEngine>.fromOpaque(context!).takeUnretainedValue().timerChanged(milliseconds)
            return 0
        }
    }

    deinit {
        // Detach the callbacks first: removing handles below makes curl report sockets to forget.
        _ = drcheck_multi_setopt_socket(multi, nil)
        _ = drcheck_multi_setopt_timer(multi, nil)
        for id in watched.values { loop.unwatch(id) }
        for talk in conversations.values { stop(talk) }
        for probe in datagrams.values { probe.cancel() }
        if let curlTimer { loop.cancel(curlTimer) }
        for transfer in transfers.values { curl_multi_remove_handle(multi, transfer.easy) }
        transfers.removeAll()
        curl_multi_cleanup(multi)
    }

    /// Probes in flight.
    public var inFlight: Int { transfers.count + datagrams.count }

    /// Easy handles kept between probes.
    var idleHandles: Int { idle.count }

    /// Starts `check`; `completion` runs on the loop when it ends, never from inside this call.
    @discardableResult
    public func start(_ check: NetworkCheck, completion: @escaping (ProbeResult) -> Void) throws(ProbeSetupError)
        -> ProbeID
    {
        let id = ProbeID(raw: nextID)
        nextID += 1
        if let datagram = check.datagram, !datagram.overTCP {
            let probe = DatagramProbe(loop: loop, check: check, datagram: datagram) { [unowned self] result in
                datagrams.removeValue(forKey: id)
                completion(result)
            }
            datagrams[id] = probe
            probe.start()
            return id
        }
        let transfer: Transfer
        if let key = check.tlsSessionKey {
            transfer = try sessionHandle(key, for: check)
        } else if let kept = idle.popLast() {
            transfer = kept
        } else {
            transfer = try Transfer(engine: self, check: check, at: loop.now())
        }
        do throws(ProbeSetupError) {
            try transfer.prepare(id: id, check: check, completion: completion)
        } catch {
            // It sets every option again at its next probe: a failed prepare leaves it matching no check.
            keep(transfer)
            throw error
        }
        let code = curl_multi_add_handle(multi, transfer.easy)
        guard code == CURLM_OK else {
            keep(transfer)
            throw ProbeSetupError(description: "curl_multi_add_handle: \(String(cString: curl_multi_strerror(code)))")
        }
        transfers[id] = transfer
        return id
    }

    /// Abandons a probe in flight; its completion is not called.
    public func cancel(_ id: ProbeID) {
        datagrams.removeValue(forKey: id)?.cancel()
        if let talk = conversations.removeValue(forKey: id) { stop(talk) }
        guard let transfer = transfers.removeValue(forKey: id) else { return }
        curl_multi_remove_handle(multi, transfer.easy)
        keep(transfer)
    }

    /// Returns an ended probe's handle to the pool, or frees it when the pool holds enough; a handle kept for one
    /// server goes back to it.
    private func keep(_ transfer: Transfer) {
        transfer.release()
        if let key = transfer.sessionKey {
            sessionHandles[key] = transfer
            sweepSessionHandles()
        } else if idle.count < max(Self.keptIdle, transfers.count) {
            idle.append(transfer)
        }
    }

    /// The handle kept for `key`'s server while `check.tlsResume` has not passed since its full handshake, else a new
    /// one (which makes a full handshake).
    private func sessionHandle(_ key: String, for check: NetworkCheck) throws(ProbeSetupError) -> Transfer {
        let now = loop.now()
        if let kept = sessionHandles.removeValue(forKey: key), now - kept.madeAt < check.tlsResume { return kept }
        return try Transfer(engine: self, check: check, sessionKey: key, at: now)
    }

    /// Now and then, frees the kept handles whose time has passed: a server no longer probed leaves its handle
    /// behind, and one still probed gets a new handle at its next probe anyway.
    private func sweepSessionHandles() {
        keptSinceSweep += 1
        guard keptSinceSweep >= 1024 else { return }
        keptSinceSweep = 0
        let now = loop.now()
        sessionHandles = sessionHandles.filter { now - $0.value.madeAt < $0.value.check.tlsResume }
    }

    private func socketChanged(_ fd: Int32, _ what: Int32) {
        guard what != CURL_POLL_REMOVE else {
            if let id = watched.removeValue(forKey: fd) {
                if released.isEmpty { loop.soon { [unowned self] in unwatchReleased() } }
                released[fd] = id
            }
            return
        }
        released.removeValue(forKey: fd)
        var events: EventLoop.Events = []
        if what & CURL_POLL_IN != 0 { events.insert(.readable) }
        if what & CURL_POLL_OUT != 0 { events.insert(.writable) }
        if watched[fd] != nil, (try? loop.update(fd, for: events)) != nil { return }
        // Not watched yet, or a new socket on a number libcurl closed behind the engine's back (the update found no
        // registration): `watch` adds it anew, without a DEL of the gone one. A failure to watch leaves the transfer
        // to its deadline, which classifies it; nothing else is possible here.
        watched[fd] = try? loop.watch(fd, for: events) { [unowned self] ready in self.socketReady(fd, ready) }
    }

    /// Closes a socket of a transfer (its CLOSESOCKETFUNCTION).
    func closeSocket(_ fd: curl_socket_t) -> Int32 {
        if released.removeValue(forKey: fd) != nil || watched.removeValue(forKey: fd) != nil {
            loop.unwatch(fd, closing: true)
        }
        return close(fd)
    }

    /// The sockets curl stopped waiting on but kept open.
    private func unwatchReleased() {
        for id in released.values { loop.unwatch(id) }
        released.removeAll()
    }

    private func socketReady(_ fd: Int32, _ ready: EventLoop.Events) {
        var flags: Int32 = 0
        if !ready.isDisjoint(with: [.readable, .hangup]) { flags |= CURL_CSELECT_IN }
        if ready.contains(.writable) { flags |= CURL_CSELECT_OUT }
        socketAction(fd, flags)
    }

    /// Lets libcurl act on `fd` (or on its timeouts, CURL_SOCKET_TIMEOUT), then completes what it finished.
    private func socketAction(_ fd: curl_socket_t, _ flags: Int32) {
        var running: Int32 = 0
        _ = curl_multi_socket_action(multi, fd, flags, &running)
        complete(collectDone())
    }

    private func timerChanged(_ milliseconds: Int) {
        if let curlTimer { loop.cancel(curlTimer) }
        curlTimer = nil
        timerGeneration &+= 1
        guard milliseconds >= 0 else { return }
        // curl must not be re-entered from its own callback: the timeout is handled after it returns. "Now" (every
        // new transfer asks for it) runs as `soon` work, which costs no timer; a later call replaces it.
        guard milliseconds > 0 else {
            let generation = timerGeneration
            loop.soon { [unowned self] in
                if generation == timerGeneration { socketAction(CURL_SOCKET_TIMEOUT, 0) }
            }
            return
        }
        curlTimer = loop.schedule(after: .milliseconds(milliseconds)) { [unowned self] in
            curlTimer = nil
            socketAction(CURL_SOCKET_TIMEOUT, 0)
        }
    }

    /// The transfers libcurl has finished, with their results, removed from it; a tcp check that talks to its server
    /// goes on with its conversation instead, unless that ends at once.
    private func collectDone() -> [(ProbeID, Transfer, ProbeResult)] {
        var done: [(ProbeID, Transfer, ProbeResult)] = []
        var connected: [Transfer] = []
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            var context: UnsafeMutableRawPointer?
            _ = drcheck_easy_getinfo_ptr(easy, CURLINFO_PRIVATE, &context)
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            let code = message.pointee.data.result
            if code == CURLE_OK, transfer.check.converses {
                connected.append(transfer)
            } else {
                done.append((transfer.id, transfer, transfer.result(code)))
            }
        }
        for (_, transfer, _) in done { curl_multi_remove_handle(multi, transfer.easy) }
        for transfer in connected {
            if let ended = converse(transfer) { done.append(ended) }
        }
        return done
    }

    // MARK: conversations

    /// A tcp check's conversation under way: the socket it watches and its deadline.
    private struct Talk {
        var conversation: Conversation
        let fd: Int32
        var deadline: EventLoop.TimerID?
        let began: Monotonic
        /// How long libcurl took to connect.
        let connecting: Duration
    }

    /// Starts talking on the connection libcurl made (the handle stays in the multi handle meanwhile: libcurl's
    /// send and receive calls work only there); returns the probe's end when it ends at once.
    private func converse(_ transfer: Transfer) -> (ProbeID, Transfer, ProbeResult)? {
        var fd: curl_socket_t = CURL_SOCKET_BAD
        var micros: curl_off_t = 0
        _ = drcheck_easy_getinfo_socket(transfer.easy, CURLINFO_ACTIVESOCKET, &fd)
        _ = drcheck_easy_getinfo_off(transfer.easy, CURLINFO_TOTAL_TIME_T, &micros)
        // libcurl waits on the socket no more: the conversation's own watch replaces its.
        let curlWatch = watched.removeValue(forKey: fd) ?? released.removeValue(forKey: fd)
        var talk = Talk(
            conversation: Conversation(easy: transfer.easy, check: transfer.check), fd: fd, began: loop.now(),
            connecting: .microseconds(micros))
        let step =
            fd == CURL_SOCKET_BAD ? .end(.connectError, "libcurl kept no connection") : talk.conversation.advance()
        let id = transfer.id
        do throws(SystemError) {
            guard let events = Self.events(step) else { throw SystemError("") }
            try loop.watch(fd, for: events) { [unowned self] _ in talkReady(id) }
        } catch {
            if let curlWatch { loop.unwatch(curlWatch) }
            curl_multi_remove_handle(multi, transfer.easy)
            return (id, transfer, result(of: talk, step))
        }
        talk.deadline = loop.schedule(after: transfer.check.timeout - talk.connecting) { [unowned self] in
            guard let talk = conversations[id] else { return }
            conversations[id]?.deadline = nil
            end(id, result(of: talk, talk.conversation.timedOut))
        }
        conversations[id] = talk
        return nil
    }

    private func talkReady(_ id: ProbeID) {
        guard var talk = conversations[id] else { return }
        let step = talk.conversation.advance()
        guard let events = Self.events(step), (try? loop.update(talk.fd, for: events)) != nil else {
            return end(id, result(of: talk, step))
        }
        conversations[id] = talk
    }

    /// What a conversation waits for next; nil once it has ended.
    private static func events(_ step: Conversation.Step) -> EventLoop.Events? {
        switch step {
        case .write: .writable
        case .read: .readable
        case .end: nil
        }
    }

    private func result(of talk: Talk, _ step: Conversation.Step) -> ProbeResult {
        guard case .end(let probeClass, let detail) = step else {
            return ProbeResult(.localError, duration: talk.connecting, detail: "cannot watch the probe's socket")
        }
        var result = ProbeResult(probeClass, duration: talk.connecting + (loop.now() - talk.began), detail: detail)
        result.answer = .connected
        return result
    }

    /// Ends a conversation: libcurl closes its connection as the handle leaves the multi handle.
    private func end(_ id: ProbeID, _ result: ProbeResult) {
        guard let talk = conversations.removeValue(forKey: id), let transfer = transfers[id] else { return }
        stop(talk)
        curl_multi_remove_handle(multi, transfer.easy)
        complete([(id, transfer, result)])
    }

    private func stop(_ talk: Talk) {
        loop.unwatch(talk.fd)
        if let deadline = talk.deadline { loop.cancel(deadline) }
    }

    /// Completes the collected transfers, outside libcurl, so a completion may start or cancel probes.
    private func complete(_ done: [(ProbeID, Transfer, ProbeResult)]) {
        for (id, transfer, result) in done {
            // An earlier completion in this batch may have cancelled this probe, and its handle may run another by
            // now: the probe is known by the ID it had when it ended.
            guard transfers.removeValue(forKey: id) != nil else { continue }
            let completion = transfer.completion
            keep(transfer)
            completion(result)
        }
    }
}
