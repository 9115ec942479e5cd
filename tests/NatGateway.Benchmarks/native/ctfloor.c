/* Kernel floor for a conntrack dump (conntrack -L without parsing or printing): sends one IPCTNL_MSG_CT_GET
   dump request and only counts the messages. Compiled at run time by the `conntrack` benchmark. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <time.h>
int main(void){
  int fd=socket(AF_NETLINK,SOCK_RAW|SOCK_CLOEXEC,NETLINK_NETFILTER);
  struct sockaddr_nl sa={.nl_family=AF_NETLINK}; bind(fd,(void*)&sa,sizeof sa);
  struct {struct nlmsghdr h; struct nfgenmsg g;} req={{sizeof req,(NFNL_SUBSYS_CTNETLINK<<8)|IPCTNL_MSG_CT_GET,NLM_F_REQUEST|NLM_F_DUMP,1,0},{AF_UNSPEC,0,0}};
  struct timespec a,b; clock_gettime(CLOCK_MONOTONIC,&a);
  send(fd,&req,sizeof req,0);
  static char buf[1<<20]; long n=0; int done=0;
  while(!done){ int r=recv(fd,buf,sizeof buf,0); if(r<0){perror("recv");return 1;}
    for(struct nlmsghdr*h=(void*)buf;NLMSG_OK(h,r);h=NLMSG_NEXT(h,r)){ if(h->nlmsg_type==NLMSG_DONE){done=1;break;} if(h->nlmsg_type==NLMSG_ERROR){printf("err\n");return 1;} n++; } }
  clock_gettime(CLOCK_MONOTONIC,&b);
  printf("C floor: %ld msgs %.3fs\n",n,(b.tv_sec-a.tv_sec)+(b.tv_nsec-a.tv_nsec)/1e9);
}
