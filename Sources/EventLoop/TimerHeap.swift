/// The loop's pending timers, earliest first. Cancelled timers stay in the heap until they surface,
/// which keeps cancel O(1); `live` says which are still wanted.
struct TimerHeap {
    struct Entry {
        var deadline: Monotonic
        var id: UInt64
    }

    private var heap: [Entry] = []
    private(set) var live: [UInt64: () -> Void] = [:]
    private var nextID: UInt64 = 1

    var earliest: Monotonic? {
        mutating get {
            dropCancelled()
            return heap.first?.deadline
        }
    }

    mutating func insert(_ deadline: Monotonic, _ action: @escaping () -> Void) -> UInt64 {
        let id = nextID
        nextID += 1
        live[id] = action
        heap.append(Entry(deadline: deadline, id: id))
        siftUp(heap.count - 1)
        return id
    }

    mutating func cancel(_ id: UInt64) { live[id] = nil }

    /// Removes and returns the actions due at `now`, earliest (then oldest) first.
    mutating func popDue(_ now: Monotonic) -> [() -> Void] {
        var due: [() -> Void] = []
        while let top = heap.first, top.deadline <= now {
            removeTop()
            if let action = live.removeValue(forKey: top.id) { due.append(action) }
        }
        return due
    }

    private mutating func dropCancelled() {
        while let top = heap.first, live[top.id] == nil { removeTop() }
    }

    private mutating func removeTop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        if !heap.isEmpty { siftDown(0) }
    }

    private func less(_ i: Int, _ j: Int) -> Bool {
        heap[i].deadline != heap[j].deadline ? heap[i].deadline < heap[j].deadline : heap[i].id < heap[j].id
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, less(left, smallest) { smallest = left }
            if right < heap.count, less(right, smallest) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
