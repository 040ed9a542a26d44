import Testing
import TextFormats

/// The real outputs in Fixtures/, read as a line source (`vmstat -n 1`, `iostat -x 1`) and as
/// one command run's whole stdout (`--every`).
struct ColumnsFixtureTests {
    static let lineFixtures: [(String, [String])] = [
        ("vmstat-n.txt", [
            #"skip"#,
            #"skip"#,
            #"{"r":2,"b":0,"swpd":0,"free":22181916,"buff":60348,"cache":2226332,"si":0,"so":0,"bi":3095,"bo":2279,"in":473,"cs":739,"us":59,"sy":12,"id":28,"wa":0,"st":0}"#,
            #"{"r":2,"b":0,"swpd":0,"free":22181916,"buff":60348,"cache":2226332,"si":0,"so":0,"bi":6832,"bo":7060,"in":923,"cs":1271,"us":36,"sy":25,"id":38,"wa":0,"st":0}"#,
            #"{"r":5,"b":0,"swpd":0,"free":22181916,"buff":60348,"cache":2226332,"si":0,"so":0,"bi":8200,"bo":420,"in":966,"cs":1652,"us":54,"sy":29,"id":17,"wa":1,"st":0}"#,
            #"{"r":2,"b":0,"swpd":0,"free":22181916,"buff":60348,"cache":2226332,"si":0,"so":0,"bi":0,"bo":4,"in":525,"cs":390,"us":63,"sy":18,"id":20,"wa":0,"st":0}"#,
        ]),
        ("vmstat-repeat.txt", [
            #"skip"#,
            #"skip"#,
            #"{"r":3,"b":0,"swpd":0,"free":21950180,"buff":61076,"cache":2348724,"si":0,"so":0,"bi":2967,"bo":2324,"in":464,"cs":718,"us":61,"sy":12,"id":27,"wa":0,"st":0}"#,
            #"{"r":3,"b":0,"swpd":0,"free":21950180,"buff":61076,"cache":2348724,"si":0,"so":0,"bi":0,"bo":0,"in":600,"cs":318,"us":89,"sy":10,"id":1,"wa":0,"st":0}"#,
            #"{"r":4,"b":0,"swpd":0,"free":21950180,"buff":61076,"cache":2348724,"si":0,"so":0,"bi":4,"bo":20,"in":632,"cs":636,"us":88,"sy":12,"id":0,"wa":0,"st":0}"#,
            #"skip"#,
            #"skip"#,
            #"{"r":5,"b":0,"swpd":0,"free":21950180,"buff":61076,"cache":2348724,"si":0,"so":0,"bi":4,"bo":164,"in":647,"cs":930,"us":85,"sy":15,"id":0,"wa":0,"st":0}"#,
            #"{"r":3,"b":0,"swpd":0,"free":21950180,"buff":61076,"cache":2348724,"si":0,"so":0,"bi":376,"bo":128488,"in":836,"cs":1098,"us":83,"sy":17,"id":0,"wa":0,"st":0}"#,
            #"{"r":3,"b":0,"swpd":0,"free":21950180,"buff":61076,"cache":2348724,"si":0,"so":0,"bi":4,"bo":0,"in":565,"cs":227,"us":91,"sy":9,"id":0,"wa":0,"st":0}"#,
        ]),
        ("iostat-x-1-2.txt", [
            #"skip"#,
            #"skip"#,
            #"skip"#,
            #"{"avg-cpu":{"%user":59.07,"%nice":0.00,"%system":12.12,"%iowait":0.48,"%steal":0.02,"%idle":28.30}}"#,
            #"skip"#,
            #"skip"#,
            #"{"vda":{"r/s":146.46,"rkB/s":6163.38,"rrqm/s":25.32,"%rrqm":14.74,"r_await":0.21,"rareq-sz":42.08,"w/s":59.70,"wkB/s":4800.70,"wrqm/s":135.47,"%wrqm":69.41,"w_await":0.98,"wareq-sz":80.42,"d/s":10.27,"dkB/s":415.45,"drqm/s":0.00,"%drqm":0.00,"d_await":0.10,"dareq-sz":40.46,"f/s":8.94,"f_await":0.04,"aqu-sz":0.09,"%util":2.00}}"#,
            #"skip"#,
            #"skip"#,
            #"skip"#,
            #"{"avg-cpu":{"%user":84.58,"%nice":0.00,"%system":14.93,"%iowait":0.50,"%steal":0.00,"%idle":0.00}}"#,
            #"skip"#,
            #"skip"#,
            #"{"vda":{"r/s":110.00,"rkB/s":3132.00,"rrqm/s":0.00,"%rrqm":0.00,"r_await":0.09,"rareq-sz":28.47,"w/s":19.00,"wkB/s":88.00,"wrqm/s":0.00,"%wrqm":0.00,"w_await":0.11,"wareq-sz":4.63,"d/s":8.00,"dkB/s":32.00,"drqm/s":0.00,"%drqm":0.00,"d_await":0.12,"dareq-sz":4.00,"f/s":4.00,"f_await":0.00,"aqu-sz":0.01,"%util":1.60}}"#,
            #"skip"#,
            #"skip"#,
        ]),
        ("free-b.txt", [
            #"skip"#,
            #"{"Mem":{"total":25276182528,"used":754372608,"free":22408802304,"shared":10551296,"buff/cache":2415648768,"available":24521809920}}"#,
            #"{"Swap":{"total":0,"used":0,"free":0}}"#,
        ]),
        ("ps-aux.txt", [
            #"skip"#,
            #"{"root":{"PID":1,"%CPU":0.8,"%MEM":0.0,"VSZ":52108,"RSS":12148,"TTY":"?","STAT":"S<Ll","START":"20:33","TIME":"0:02","COMMAND":"/process_api --firecracker-init --addr 0.0.0.0:2024 --max-ws-buffer-size 32768 --block-local-connections --log-vsock-port 5002 --control-vsock-port 5001 --listen-vsock-port 2024 --tcp-readiness-only --auth-required"}}"#,
            #"{"root_2":{"PID":2,"%CPU":0.0,"%MEM":0.0,"VSZ":0,"RSS":0,"TTY":"?","STAT":"S","START":"20:33","TIME":"0:00","COMMAND":"[kthreadd]"}}"#,
            #"{"root_3":{"PID":3,"%CPU":0.0,"%MEM":0.0,"VSZ":0,"RSS":0,"TTY":"?","STAT":"S","START":"20:33","TIME":"0:00","COMMAND":"[pool_workqueue_release]"}}"#,
            #"{"root_4":{"PID":4,"%CPU":0.0,"%MEM":0.0,"VSZ":0,"RSS":0,"TTY":"?","STAT":"I<","START":"20:33","TIME":"0:00","COMMAND":"[kworker/R-rcu_gp]"}}"#,
            #"{"root_5":{"PID":5,"%CPU":0.0,"%MEM":0.0,"VSZ":0,"RSS":0,"TTY":"?","STAT":"I<","START":"20:33","TIME":"0:00","COMMAND":"[kworker/R-sync_wq]"}}"#,
            #"{"root_6":{"PID":6,"%CPU":0.0,"%MEM":0.0,"VSZ":0,"RSS":0,"TTY":"?","STAT":"I<","START":"20:33","TIME":"0:00","COMMAND":"[kworker/R-kvfree_rcu_reclaim]"}}"#,
            #"{"root_7":{"PID":7,"%CPU":0.0,"%MEM":0.0,"VSZ":0,"RSS":0,"TTY":"?","STAT":"I<","START":"20:33","TIME":"0:00","COMMAND":"[kworker/R-slub_flushwq]"}}"#,
            #"{"root_8":{"PID":8,"%CPU":0.0,"%MEM":0.0,"VSZ":0,"RSS":0,"TTY":"?","STAT":"I<","START":"20:33","TIME":"0:00","COMMAND":"[kworker/R-netns]"}}"#,
        ]),
        ("df-P.txt", [
            #"skip"#,
            #"{"devtmpfs":{"1024-blocks":12334760,"Used":0,"Available":12334760,"Capacity":0,"Mounted on":"/dev"}}"#,
            #"{"tmpfs":{"1024-blocks":24683772,"Used":0,"Available":24683772,"Capacity":0,"Mounted on":"/dev/shm"}}"#,
            #"{"/dev/vda":{"1024-blocks":264212084,"Used":16445932,"Available":82619680,"Capacity":17,"Mounted on":"/"}}"#,
            #"{"model_tools_unavailable":{"1024-blocks":4,"Used":0,"Available":4,"Capacity":0,"Mounted on":"/mnt/sandboxing/model_tools_env/v1/python"}}"#,
            #"{"tmpfs_2":{"1024-blocks":12341884,"Used":0,"Available":12341884,"Capacity":0,"Mounted on":"/sys/fs/cgroup"}}"#,
        ]),
    ]

    @Test(arguments: lineFixtures)
    func linesOfARealOutput(fixture: String, expected: [String]) {
        #expect(messages(.columns, Fixture.lines(fixture)) == expected)
    }

    static let documentFixtures: [(String, String)] = [
        ("iostat-x.txt", #"{"avg-cpu":{"%user":59.07,"%nice":0.00,"%system":12.12,"%iowait":0.48,"%steal":0.02,"%idle":28.30},"vda":{"r/s":146.46,"rkB/s":6163.38,"rrqm/s":25.32,"%rrqm":14.74,"r_await":0.21,"rareq-sz":42.08,"w/s":59.70,"wkB/s":4800.70,"wrqm/s":135.47,"%wrqm":69.41,"w_await":0.98,"wareq-sz":80.42,"d/s":10.27,"dkB/s":415.45,"drqm/s":0.00,"%drqm":0.00,"d_await":0.10,"dareq-sz":40.46,"f/s":8.94,"f_await":0.04,"aqu-sz":0.09,"%util":2.00}}"#),
        ("iostat-x-1-2.txt", #"{"avg-cpu":{"%user":84.58,"%nice":0.00,"%system":14.93,"%iowait":0.50,"%steal":0.00,"%idle":0.00},"vda":{"r/s":110.00,"rkB/s":3132.00,"rrqm/s":0.00,"%rrqm":0.00,"r_await":0.09,"rareq-sz":28.47,"w/s":19.00,"wkB/s":88.00,"wrqm/s":0.00,"%wrqm":0.00,"w_await":0.11,"wareq-sz":4.63,"d/s":8.00,"dkB/s":32.00,"drqm/s":0.00,"%drqm":0.00,"d_await":0.12,"dareq-sz":4.00,"f/s":4.00,"f_await":0.00,"aqu-sz":0.01,"%util":1.60}}"#),
        ("df-P.txt", #"{"devtmpfs":{"1024-blocks":12334760,"Used":0,"Available":12334760,"Capacity":0,"Mounted on":"/dev"},"tmpfs":{"1024-blocks":24683772,"Used":0,"Available":24683772,"Capacity":0,"Mounted on":"/dev/shm"},"/dev/vda":{"1024-blocks":264212084,"Used":16445932,"Available":82619680,"Capacity":17,"Mounted on":"/"},"model_tools_unavailable":{"1024-blocks":4,"Used":0,"Available":4,"Capacity":0,"Mounted on":"/mnt/sandboxing/model_tools_env/v1/python"},"tmpfs_2":{"1024-blocks":12341884,"Used":0,"Available":12341884,"Capacity":0,"Mounted on":"/sys/fs/cgroup"}}"#),
        ("ps-eo.txt", #"{"1":{"%CPU":0.8,"%MEM":0.0,"COMMAND":"process_api"},"2":{"%CPU":0.0,"%MEM":0.0,"COMMAND":"kthreadd"},"3":{"%CPU":0.0,"%MEM":0.0,"COMMAND":"pool_workqueue_release"},"4":{"%CPU":0.0,"%MEM":0.0,"COMMAND":"kworker/R-rcu_gp"},"5":{"%CPU":0.0,"%MEM":0.0,"COMMAND":"kworker/R-sync_wq"},"6":{"%CPU":0.0,"%MEM":0.0,"COMMAND":"kworker/R-kvfree_rcu_reclaim"},"7":{"%CPU":0.0,"%MEM":0.0,"COMMAND":"kworker/R-slub_flushwq"},"8":{"%CPU":0.0,"%MEM":0.0,"COMMAND":"kworker/R-netns"},"9":{"%CPU":0.0,"%MEM":0.0,"COMMAND":"kworker/0:0-mm_percpu_wq"},"10":{"%CPU":0.0,"%MEM":0.0,"COMMAND":"kworker/0:0H-events_highpri"},"11":{"%CPU":0.0,"%MEM":0.0,"COMMAND":"kworker/0:1-virtio_vsock"}}"#),
        ("ps-aux.txt", #"{"root":{"PID":1,"%CPU":0.8,"%MEM":0.0,"VSZ":52108,"RSS":12148,"TTY":"?","STAT":"S<Ll","START":"20:33","TIME":"0:02","COMMAND":"/process_api --firecracker-init --addr 0.0.0.0:2024 --max-ws-buffer-size 32768 --block-local-connections --log-vsock-port 5002 --control-vsock-port 5001 --listen-vsock-port 2024 --tcp-readiness-only --auth-required"},"root_2":{"PID":2,"%CPU":0.0,"%MEM":0.0,"VSZ":0,"RSS":0,"TTY":"?","STAT":"S","START":"20:33","TIME":"0:00","COMMAND":"[kthreadd]"},"root_3":{"PID":3,"%CPU":0.0,"%MEM":0.0,"VSZ":0,"RSS":0,"TTY":"?","STAT":"S","START":"20:33","TIME":"0:00","COMMAND":"[pool_workqueue_release]"},"root_4":{"PID":4,"%CPU":0.0,"%MEM":0.0,"VSZ":0,"RSS":0,"TTY":"?","STAT":"I<","START":"20:33","TIME":"0:00","COMMAND":"[kworker/R-rcu_gp]"},"root_5":{"PID":5,"%CPU":0.0,"%MEM":0.0,"VSZ":0,"RSS":0,"TTY":"?","STAT":"I<","START":"20:33","TIME":"0:00","COMMAND":"[kworker/R-sync_wq]"},"root_6":{"PID":6,"%CPU":0.0,"%MEM":0.0,"VSZ":0,"RSS":0,"TTY":"?","STAT":"I<","START":"20:33","TIME":"0:00","COMMAND":"[kworker/R-kvfree_rcu_reclaim]"},"root_7":{"PID":7,"%CPU":0.0,"%MEM":0.0,"VSZ":0,"RSS":0,"TTY":"?","STAT":"I<","START":"20:33","TIME":"0:00","COMMAND":"[kworker/R-slub_flushwq]"},"root_8":{"PID":8,"%CPU":0.0,"%MEM":0.0,"VSZ":0,"RSS":0,"TTY":"?","STAT":"I<","START":"20:33","TIME":"0:00","COMMAND":"[kworker/R-netns]"}}"#),
        ("free-b.txt", #"{"Mem":{"total":25276182528,"used":754372608,"free":22408802304,"shared":10551296,"buff/cache":2415648768,"available":24521809920},"Swap":{"total":0,"used":0,"free":0}}"#),
        ("vmstat-n.txt", #"{"2":{"b":0,"swpd":0,"free":22181916,"buff":60348,"cache":2226332,"si":0,"so":0,"bi":3095,"bo":2279,"in":473,"cs":739,"us":59,"sy":12,"id":28,"wa":0,"st":0},"2_2":{"b":0,"swpd":0,"free":22181916,"buff":60348,"cache":2226332,"si":0,"so":0,"bi":6832,"bo":7060,"in":923,"cs":1271,"us":36,"sy":25,"id":38,"wa":0,"st":0},"5":{"b":0,"swpd":0,"free":22181916,"buff":60348,"cache":2226332,"si":0,"so":0,"bi":8200,"bo":420,"in":966,"cs":1652,"us":54,"sy":29,"id":17,"wa":1,"st":0},"2_3":{"b":0,"swpd":0,"free":22181916,"buff":60348,"cache":2226332,"si":0,"so":0,"bi":0,"bo":4,"in":525,"cs":390,"us":63,"sy":18,"id":20,"wa":0,"st":0}}"#),
    ]

    @Test(arguments: documentFixtures)
    func aRealOutputAsOneDocument(fixture: String, expected: String) {
        var parser = TextParser(format: .columns)
        let message = parser.document(Fixture.bytes(fixture), contentType: nil)
        #expect(message.shown == expected)
        #expect(message.skippedLines == 0)
    }
}
